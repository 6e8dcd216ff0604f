/**
 * The `host:port` addresses of the daemon's HTTP endpoints (metrics, the
 * topology page). Only IP literals and `localhost` are accepted, never a
 * name to resolve: what is checked for loopback is what is bound.
 *
 *   127.0.0.1:9464   [::1]:9465   localhost:9464   0.0.0.0:9464 (needs allow_remote)
 */
import { isIP } from 'node:net';

export interface ListenAddress {
  /** An IP literal without brackets, or `localhost`. */
  host: string;
  port: number;
}

const MAX_PORT = 65_535;
const BRACKETED = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/;
const PLAIN = /^([0-9.]+|localhost):(\d{1,5})$/;

/** Parse `host:port`; returns the reason as a string when it is not one. */
export function parseListenAddress(text: string): ListenAddress | string {
  const m = BRACKETED.exec(text) ?? PLAIN.exec(text);
  const host = m?.[1];
  const portText = m?.[2];
  if (host === undefined || portText === undefined) {
    return `'${text}' is not host:port with an IP address (e.g. 127.0.0.1:9464 or [::1]:9464)`;
  }
  if (host !== 'localhost' && isIP(host) === 0) return `'${host}' is not an IP address`;
  if (BRACKETED.test(text) && isIP(host) !== 6) return `'${host}' in brackets must be an IPv6 address`;
  const port = Number(portText);
  if (port > MAX_PORT) return `port ${port} is above ${MAX_PORT}`;
  return { host, port };
}

/** True for 127.0.0.0/8, ::1, an IPv4-mapped 127.x address, and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** The host to put in a URL for a bound address: wildcards become loopback, IPv6 gets brackets. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === 'localhost') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** Why a non-loopback address is refused (the config check and the service say the same). */
export function remoteRefusal(section: string, host: string): string {
  return `${host} is not a loopback address; the endpoint would be reachable from other machines over plain HTTP (set ${section}.allow_remote = true to allow it)`;
}
