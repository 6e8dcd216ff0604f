/**
 * A FIFO of outgoing messages with hard bounds on count and bytes. Unsealed:
 * messages are sealed only when they reach the socket, so dropping one never
 * leaves a gap in the nonce sequence.
 */
export class BoundedQueue {
  private items: Uint8Array[] = [];
  private head = 0;
  private byteCount = 0;

  constructor(private readonly maxMessages: number, private readonly maxBytes: number) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get bytes(): number {
    return this.byteCount;
  }

  /** False (and nothing stored) when the message would exceed either bound. */
  push(message: Uint8Array): boolean {
    if (this.length + 1 > this.maxMessages || this.byteCount + message.byteLength > this.maxBytes) return false;
    this.items.push(message);
    this.byteCount += message.byteLength;
    return true;
  }

  shift(): Uint8Array | undefined {
    if (this.head >= this.items.length) return undefined;
    const m = this.items[this.head]!;
    this.head++;
    this.byteCount -= m.byteLength;
    // Compact now and then so the array does not grow with the history of the link.
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return m;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.byteCount = 0;
  }
}
