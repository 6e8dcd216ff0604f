/**
 * The node's HTTP endpoints, built from its config: Prometheus metrics
 * (`[metrics]`) and the live topology page (`[web]`), each off unless its
 * section is present. The daemon starts `services` with its other parts
 * (after them) and answers the admin method `web` with `webInfo()`.
 */
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import type { Random } from '../util/random.js';
import type { NodeView } from './node-view.js';
import type { WebInfo } from './protocol.js';
import type { MetricsService } from './metrics.js';
import type { WebService } from './topology.js';

export interface HttpEndpointConfig {
  enabled: boolean;
  listen: string;
  allow_remote: boolean;
}

export interface ObservabilityConfig {
  metrics?: HttpEndpointConfig | undefined;
  web?: HttpEndpointConfig | undefined;
}

/** A daemon service (lifecycle.ts's shape, kept structural so control/ needs nothing from node/). */
export interface EndpointService {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The endpoint's code (prom-client for metrics, ~80 CommonJS files) is
 * loaded when the service starts, so a node without [metrics] or [web]
 * never loads it: every `skein up` starts faster.
 */
function lazyService<T extends EndpointService>(name: string, load: () => Promise<T>, onChange: (svc: T | undefined) => void): EndpointService {
  let svc: T | undefined;
  return {
    name,
    start: async () => {
      const s = await load();
      await s.start();
      svc = s;
      onChange(s);
    },
    stop: async () => {
      const s = svc;
      svc = undefined;
      onChange(undefined);
      await s?.stop();
    },
  };
}

export class Observability {
  /** Set while running (undefined before start, after stop, or when off). */
  metrics: MetricsService | undefined;
  web: WebService | undefined;
  readonly services: readonly EndpointService[];
  private readonly webConfigured: boolean;

  constructor(view: NodeView, config: ObservabilityConfig, opts: { random: Random; log: Logger }) {
    const m = config.metrics;
    const w = config.web;
    const services: EndpointService[] = [];
    if (m?.enabled) {
      services.push(lazyService('metrics', async () => {
        const { MetricsService } = await import('./metrics.js');
        return new MetricsService(view, m.listen, m.allow_remote, opts.log);
      }, (svc) => { this.metrics = svc; }));
    }
    if (w?.enabled) {
      services.push(lazyService('web', async () => {
        const { WebService } = await import('./topology.js');
        return new WebService(view, { listen: w.listen, allowRemote: w.allow_remote, random: opts.random, log: opts.log });
      }, (svc) => { this.web = svc; }));
    }
    this.services = services;
    this.webConfigured = w?.enabled === true;
  }

  /** Admin method `web`: the page's URL, token included. */
  webInfo(): WebInfo {
    if (!this.webConfigured) throw new SkeinError(ErrorCodes.CONFIG, 'the topology page is off: add a [web] section to the config (e.g. listen = "127.0.0.1:9465") and restart the node');
    if (!this.web) throw new SkeinError(ErrorCodes.CONFIG, 'web: the topology page is not running');
    return { url: this.web.url() };
  }
}
