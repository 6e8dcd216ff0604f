/**
 * Start in order, stop in reverse. The daemon is a list of services; if one
 * fails to start, the ones already started are stopped before the error
 * propagates, so a failed start leaves nothing behind (no socket file, no
 * TUN device, no listening port).
 */
import type { Logger } from '../util/log.js';

export interface Service {
  readonly name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

export class Lifecycle {
  private readonly started: Service[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly log: Logger) {}

  async start(services: Service[]): Promise<void> {
    for (const s of services) {
      try {
        await s.start();
        this.started.push(s);
        this.log.debug({ service: s.name }, 'service started');
      } catch (err) {
        this.log.debug({ service: s.name, err: (err as Error).message }, 'service failed to start; stopping the others');
        await this.stop();
        throw err;
      }
    }
  }

  /** Idempotent: concurrent callers share one shutdown. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      while (this.started.length > 0) {
        const s = this.started.pop()!;
        try {
          await s.stop();
          this.log.debug({ service: s.name }, 'service stopped');
        } catch (err) {
          this.log.warn({ service: s.name, err: (err as Error).message }, 'service failed to stop cleanly');
        }
      }
    })();
    return this.stopping;
  }
}

/**
 * Wire SIGINT/SIGTERM to a clean shutdown (a second signal forces exit) and
 * SIGHUP to a reload. Returns a function that removes the handlers.
 */
export function installSignalHandlers(opts: { shutdown: (signal: string) => Promise<void>; reload?: () => void; log: Logger }): () => void {
  let shuttingDown = false;
  const onStop = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      opts.log.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    shuttingDown = true;
    opts.log.info({ signal }, 'shutting down');
    void opts.shutdown(signal);
  };
  const onHup = () => opts.reload?.();
  process.on('SIGINT', onStop);
  process.on('SIGTERM', onStop);
  process.on('SIGHUP', onHup);
  return () => {
    process.off('SIGINT', onStop);
    process.off('SIGTERM', onStop);
    process.off('SIGHUP', onHup);
  };
}
