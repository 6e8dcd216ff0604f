/**
 * The node's HTTP endpoints, built from its config: Prometheus metrics
 * (`[metrics]`) and the live topology page (`[web]`), each off unless its
 * section is present. The daemon starts `services` with its other parts
 * (after them) and answers the admin method `web` with `webInfo()`.
 */
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import type { Random } from '../util/random.js';
import type { DaemonView } from './daemon-view.js';
import { MetricsService } from './metrics.js';
import { WebService } from './topology.js';

export interface HttpEndpointConfig {
  enabled: boolean;
  listen: string;
  allow_remote: boolean;
}

export interface ObservabilityConfig {
  metrics?: HttpEndpointConfig | undefined;
  web?: HttpEndpointConfig | undefined;
}

export class Observability {
  readonly metrics: MetricsService | undefined;
  readonly web: WebService | undefined;

  constructor(view: DaemonView, config: ObservabilityConfig, opts: { random: Random; log: Logger }) {
    const m = config.metrics;
    const w = config.web;
    if (m?.enabled) this.metrics = new MetricsService(view, m.listen, m.allow_remote, opts.log);
    if (w?.enabled) this.web = new WebService(view, { listen: w.listen, allowRemote: w.allow_remote, random: opts.random, log: opts.log });
  }

  get services(): Array<MetricsService | WebService> {
    return [this.metrics, this.web].filter((s) => s !== undefined);
  }

  /** Admin method `web`: the page's URL, token included. */
  webInfo(): { url: string } {
    if (!this.web) throw new SkeinError(ErrorCodes.CONFIG, 'the topology page is off: add a [web] section to the config (e.g. listen = "127.0.0.1:9465") and restart the node');
    return { url: this.web.url() };
  }
}
