/**
 * What the link layer remembers about neighbours it has authenticated, so
 * they are served ahead of strangers (pure; monotonic ms passed in):
 *
 *   - source addresses we held a link with: their connections use the
 *     listener's known pool (accept-gate.ts) and may initiate unkeyed;
 *   - each dialed address's static key: a redial of a configured peer
 *     carries mac1 even though the config names only its address.
 *
 * Only authenticated links write here, so strangers cannot fill it; it is
 * bounded and aged out all the same.
 */
import { AgingMap } from '../util/aging-map.js';

export const MAX_REMEMBERED_PEERS = 1024;
/** How long after a link's last sign of life its address and key are remembered. */
export const PEER_MEMORY_MS = 24 * 60 * 60_000;

export class PeerMemory {
  private readonly addresses = new AgingMap<string, true>(MAX_REMEMBERED_PEERS, PEER_MEMORY_MS);
  private readonly keys = new AgingMap<string, Uint8Array>(MAX_REMEMBERED_PEERS, PEER_MEMORY_MS);

  /** A link is up (or went down) with a peer at `address` (no port); `dialed`: we reached it at host:port with `staticKey`. */
  remember(address: string, nowMs: number, dialed?: { host: string; port: number; staticKey: Uint8Array }): void {
    this.addresses.set(hostOnly(address), true, nowMs);
    if (dialed !== undefined) this.keys.set(dialKey(dialed.host, dialed.port), dialed.staticKey, nowMs);
  }

  isKnownAddress(address: string, nowMs: number): boolean {
    return this.addresses.has(hostOnly(address), nowMs);
  }

  keyFor(host: string, port: number, nowMs: number): Uint8Array | undefined {
    return this.keys.get(dialKey(host, port), nowMs);
  }

  /** A dial keyed with a remembered key failed: the node there may have a new key, so try unkeyed next. */
  forgetKey(host: string, port: number): void {
    this.keys.delete(dialKey(host, port));
  }

  sizes(): { knownAddresses: number; rememberedKeys: number } {
    return { knownAddresses: this.addresses.size, rememberedKeys: this.keys.size };
  }
}

/** IPv4-mapped addresses compare as plain IPv4. */
function hostOnly(address: string): string {
  return address.replace(/^::ffff:/i, '').toLowerCase();
}

function dialKey(host: string, port: number): string {
  return `[${hostOnly(host)}]:${port}`;
}
