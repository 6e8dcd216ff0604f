/**
 * The byte-stream seam under the link layer: where links listen and what
 * they dial. A SecureChannel only needs a Duplex (ordered, reliable bytes
 * with FIN and backpressure); a transport says how such streams are made.
 *
 *   transport-tcp.ts     the daemon's default: net.Server / net.connect
 *   transport-memory.ts  in-process hosts and ports for tests and whole
 *                        daemons in virtual time (MemoryDuplex pairs)
 *
 * One compliance suite (test/unit/link-transport.test.ts) runs against
 * every implementation, so a test on the memory transport means the same
 * as one over TCP.
 */
import type { Duplex } from 'node:stream';

/** The other end of an accepted connection, as the accept gate and `via` read it. */
export interface RemoteEndpoint {
  /** As the socket reports it: `::ffff:` forms and `%scope` suffixes included. */
  address: string;
  port: number;
}

export interface ListenRequest {
  /** An address of this host, or a wildcard (`::`, `0.0.0.0`) for all of them. */
  address: string;
  /** 0 picks a free port. */
  port: number;
  onConnection: (stream: Duplex, remote: RemoteEndpoint) => void;
  /** An error of the listener after it started (the listener stays). */
  onError?: (err: Error) => void;
}

export interface LinkListener {
  readonly address: string;
  /** The bound port (the picked one when asked for 0). */
  readonly port: number;
  /**
   * Stop accepting at once; connections already accepted stay. Resolves
   * once the last of them has closed too (as net.Server.close does), so a
   * node that closed its links first can wait for them to be gone.
   */
  close(): Promise<void>;
}

export interface LinkTransport {
  /** Short name for logs and status ("tcp", "memory"). */
  readonly name: string;
  /**
   * Listen on address:port. Rejects with an Error whose `code` is the
   * errno name (EADDRINUSE, EADDRNOTAVAIL, …) so callers can tell a bind
   * that may work later from one that never will.
   */
  listen(request: ListenRequest): Promise<LinkListener>;
  /**
   * Dial host:port. The stream is returned at once and may be written to
   * right away (bytes wait for the connection); it emits 'connect' once
   * connected, or 'error' (code ECONNREFUSED, …) and then 'close' —
   * always asynchronously, never inside dial().
   */
  dial(host: string, port: number): Duplex;
}

/** True for an address that means every address of the host. */
export function isWildcardAddress(host: string): boolean {
  return host === '::' || host === '0.0.0.0' || host === '[::]';
}
