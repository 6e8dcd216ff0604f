/**
 * The session manager's offload port (session/offload.ts) on the native
 * endpoint (link/native-endpoint.ts): each peer the manager holds gets an
 * entry in the addon, each keypair's keys move there at its handshake's
 * end, and the manager's "current" is mirrored at every change. The
 * manager then seals and opens through the addon (NativeCipher), and the
 * addon's fast paths carry what needs no decision.
 */
import type { NativeEndpoint } from '../link/native-endpoint.js';
import { type CipherKeys, type KeypairCipher, type OffloadedPeer, type OpenOutcome, type SessionOffload, TypeScriptCipher } from '../session/index.js';
import type { Logger } from '../util/log.js';
import { DATA_CIPHERTEXT_OFFSET } from '../wire/packet-constants.js';

/** A keypair whose keys, counter and replay window are the addon's. */
export class NativeCipher implements KeypairCipher {
  private wiped = false;

  constructor(private readonly endpoint: NativeEndpoint, readonly handle: number, private readonly messageLimit: number) {}

  get sent(): number {
    const sent = this.wiped ? -1 : this.endpoint.sent(this.handle);
    // Gone (wiped, or the addon released): nothing more may be sealed.
    return sent < 0 ? this.messageLimit : sent;
  }

  seal(packet: Uint8Array, plaintext: Uint8Array): number {
    if (this.wiped) return -1;
    const inPlace = plaintext.buffer === packet.buffer && plaintext.byteOffset === packet.byteOffset + DATA_CIPHERTEXT_OFFSET;
    if (!inPlace) packet.set(plaintext, DATA_CIPHERTEXT_OFFSET);
    return this.endpoint.seal(this.handle, packet);
  }

  fresh(counter: number): boolean {
    return !this.wiped && this.endpoint.fresh(this.handle, counter);
  }

  open(packet: Uint8Array, counter: number): OpenOutcome {
    if (this.wiped) return counter >= this.messageLimit ? 'auth-failed' : 'replay';
    return this.endpoint.open(this.handle, packet, counter);
  }

  wipe(): void {
    if (this.wiped) return;
    this.wiped = true;
    this.endpoint.removeKeypair(this.handle);
  }
}

/**
 * The offload, or per peer none: a peer whose address the addon cannot
 * take (its table full, or another peer's address; 2^80 work to make)
 * keeps every packet on the manager's path, with TypeScript keys.
 */
export function nativeSessionOffload(endpoint: NativeEndpoint, addressOf: (id: Uint8Array) => Uint8Array, log: Logger): SessionOffload {
  return {
    addPeer(id, activity) {
      let peer: number;
      try {
        peer = endpoint.addPeer(id, addressOf(id), activity);
      } catch (err) {
        log.warn({ peer: Buffer.from(id).toString('hex'), reason: (err as Error).message }, 'session keys stay in TypeScript for this peer');
        return undefined;
      }
      return nativePeer(endpoint, peer);
    },
  };
}

function nativePeer(endpoint: NativeEndpoint, peer: number): OffloadedPeer {
  return {
    ciphers: (keys: CipherKeys) => {
      let handle: number;
      try {
        handle = endpoint.addKeypair(peer, {
          localIndex: keys.localIndex, remoteIndex: keys.remoteIndex, sendKey: keys.sendKey, receiveKey: keys.receiveKey,
          initiator: keys.role === 'initiator', createdAtMs: keys.createdAtMs, messageLimit: keys.messageLimit,
        });
      } catch {
        // The addon's table is full or released: these keys work from TypeScript, off the fast path.
        return new TypeScriptCipher(keys);
      }
      return new NativeCipher(endpoint, handle, keys.messageLimit);
    },
    setCurrent: (cipher) => endpoint.setCurrent(peer, cipher instanceof NativeCipher ? cipher.handle : 0),
    remove: () => endpoint.removePeer(peer),
  };
}
