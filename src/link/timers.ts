/**
 * Every timer of one link, in one place, each a named hook:
 *
 *   onHandshakeTimeout  handshakeTimeoutMs after the link starts, unless it opened
 *   onKeepaliveDue      every keepaliveIntervalMs while open, on the end that paces keepalives (send a PING)
 *   onPeerSilent        deadAfterMs after the last authenticated message heard
 *   onLingerExpired     closeLingerMs after close (destroy a stream that will not flush)
 *
 * Silence is checked lazily: hearing from the peer only updates a timestamp,
 * and the one silence timer, when it fires early, re-arms for the new
 * deadline. No timer per message. Before it declares the peer silent it asks
 * `heardElsewhere` (when given): a native link opens frames it relays
 * without telling anyone, and a link busy with relayed traffic is not silent.
 */
import type { Clock, TimerHandle } from '../util/clock.js';
import type { LinkConfig } from './config.js';

export interface LinkTimerHooks {
  onHandshakeTimeout(): void;
  onKeepaliveDue(): void;
  onPeerSilent(): void;
  onLingerExpired(): void;
  /** True when the peer was heard since the last time this was asked, by a path that does not call heardFromPeer. */
  heardElsewhere?(): boolean;
}

export class LinkTimers {
  private handshake: TimerHandle | null = null;
  private keepalive: TimerHandle | null = null;
  private silence: TimerHandle | null = null;
  private linger: TimerHandle | null = null;
  private lastHeard = 0;

  constructor(private readonly clock: Clock, private readonly config: LinkConfig, private readonly hooks: LinkTimerHooks) {}

  startHandshake(): void {
    this.handshake = this.clock.setTimeout(() => {
      this.handshake = null;
      this.hooks.onHandshakeTimeout();
    }, this.config.handshakeTimeoutMs);
  }

  /** The link is open: stop the handshake clock, start silence detection and, if this end paces them, keepalives. */
  startOpen(pacesKeepalives: boolean): void {
    this.handshake?.cancel();
    this.handshake = null;
    this.lastHeard = this.clock.monotonic();
    if (pacesKeepalives) this.armKeepalive();
    this.armSilence(this.config.deadAfterMs);
  }

  heardFromPeer(): void {
    this.lastHeard = this.clock.monotonic();
  }

  /** Stop everything and, if asked, start the linger clock. */
  stop(linger: boolean): void {
    for (const t of [this.handshake, this.keepalive, this.silence]) t?.cancel();
    this.handshake = this.keepalive = this.silence = null;
    if (linger && this.linger === null) {
      this.linger = this.clock.setTimeout(() => this.hooks.onLingerExpired(), this.config.closeLingerMs);
    }
  }

  cancelLinger(): void {
    this.linger?.cancel();
    this.linger = null;
  }

  private armKeepalive(): void {
    this.keepalive = this.clock.setTimeout(() => {
      this.armKeepalive();
      this.hooks.onKeepaliveDue();
    }, this.config.keepaliveIntervalMs);
  }

  private armSilence(delayMs: number): void {
    this.silence = this.clock.setTimeout(() => {
      if (this.hooks.heardElsewhere?.() === true) this.heardFromPeer();
      const quietFor = this.clock.monotonic() - this.lastHeard;
      if (quietFor >= this.config.deadAfterMs) {
        this.silence = null;
        this.hooks.onPeerSilent();
      } else {
        this.armSilence(this.config.deadAfterMs - quietFor);
      }
    }, delayMs);
  }
}
