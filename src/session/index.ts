/**
 * End-to-end sessions: the public API the daemon uses. Pure (no I/O, no
 * timers): see manager.ts for the pipelines and types.ts for the results.
 */
export { SessionManager } from './manager.js';
export { type SessionLimits } from './limits.js';
export * from './types.js';
