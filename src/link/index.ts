/** The link layer's public surface, for the daemon and the simulator. */
export { SecureChannel } from './channel.js';
export type { LinkCloseReason, LinkStats } from './channel-types.js';
export { type LinkConfig } from './config.js';
export { DialBackoff } from './backoff.js';
