/**
 * Address -> member lookup for the outbound pipeline: one lookup per packet
 * read from TUN, O(1), with no allocation (no string or bigint built from the
 * packet's bytes).
 *
 * Index: the first 48 bits of the interface part (bytes 6..11 of the
 * address, read as one JS number) pick a bucket; the bucket's entries are
 * compared on all 16 bytes. Members are random hashes, so buckets hold one
 * entry; a member who ground a key sharing those 48 bits with another
 * (2^48 work, feasible) only lengthens one bucket. Two members with the SAME
 * address (see addressing.ts) resolve to neither, whatever order they were
 * added in, so every node agrees.
 */
import { NODE_ID_BYTES, nodeIdToText } from '../identity/node-id.js';
import { CLUSTER_PREFIX_BYTES, addressOfNode, type NodeAddress } from './addressing.js';
import { IPV6_ADDRESS_BYTES, IPV6_DESTINATION_OFFSET, addressAt } from './ipv6.js';

/** Bytes of the interface part folded into the bucket key (48 bits fit a JS number exactly). */
const BUCKET_KEY_BYTES = 6;
const BYTE = 256;

interface Entry {
  idText: string;
  address: NodeAddress;
}

function bucketKey(bytes: Uint8Array, offset: number): number {
  let key = 0;
  for (let i = 0; i < BUCKET_KEY_BYTES; i++) key = key * BYTE + bytes[offset + CLUSTER_PREFIX_BYTES + i]!;
  return key;
}

export class AddressBook {
  private readonly buckets = new Map<number, Entry[]>();
  private readonly byId = new Map<string, Entry>();

  constructor(private readonly clusterId: Uint8Array) {}

  get size(): number {
    return this.byId.size;
  }

  /** Add a member (idempotent); returns its address. */
  add(nodeId: Uint8Array): NodeAddress {
    if (nodeId.byteLength !== NODE_ID_BYTES) throw new RangeError(`node id must be ${NODE_ID_BYTES} bytes`);
    const idText = nodeIdToText(nodeId);
    const known = this.byId.get(idText);
    if (known) return known.address;
    const entry: Entry = { idText, address: addressOfNode(this.clusterId, nodeId) };
    this.byId.set(idText, entry);
    const key = bucketKey(entry.address.bytes, 0);
    const bucket = this.buckets.get(key);
    if (bucket) bucket.push(entry);
    else this.buckets.set(key, [entry]);
    return entry.address;
  }

  remove(idText: string): void {
    const entry = this.byId.get(idText);
    if (!entry) return;
    this.byId.delete(idText);
    const key = bucketKey(entry.address.bytes, 0);
    const rest = (this.buckets.get(key) ?? []).filter((e) => e !== entry);
    if (rest.length === 0) this.buckets.delete(key);
    else this.buckets.set(key, rest);
  }

  /** Make the book hold exactly these members (adds the new, removes the gone). */
  setMembers(nodeIds: Iterable<Uint8Array>): void {
    const keep = new Set<string>();
    for (const id of nodeIds) {
      this.add(id);
      keep.add(nodeIdToText(id));
    }
    for (const idText of [...this.byId.keys()]) if (!keep.has(idText)) this.remove(idText);
  }

  addressOf(idText: string): NodeAddress | undefined {
    return this.byId.get(idText)?.address;
  }

  /**
   * The member whose address is the 16 bytes at `offset` of `bytes` (by
   * default a packet's IPv6 destination), or undefined: unknown, outside the
   * cluster prefix, or held by two members.
   */
  nodeAt(bytes: Uint8Array, offset = IPV6_DESTINATION_OFFSET): string | undefined {
    if (bytes.byteLength < offset + IPV6_ADDRESS_BYTES) return undefined;
    const bucket = this.buckets.get(bucketKey(bytes, offset));
    if (!bucket) return undefined;
    let found: Entry | undefined;
    for (const entry of bucket) {
      if (!addressAt(bytes, offset, entry.address.bytes)) continue;
      if (found) return undefined; // the same address twice: ambiguous, so nobody's
      found = entry;
    }
    return found?.idText;
  }

  /** Groups of member ids that share one address (each is unreachable by address). */
  conflicts(): string[][] {
    const out: string[][] = [];
    for (const bucket of this.buckets.values()) {
      const byText = new Map<string, string[]>();
      for (const e of bucket) byText.set(e.address.text, [...(byText.get(e.address.text) ?? []), e.idText]);
      for (const ids of byText.values()) if (ids.length > 1) out.push(ids.sort());
    }
    return out;
  }
}
