/**
 * End-to-end sessions: the public API the daemon uses. Pure (no I/O, no
 * timers): see manager.ts for the pipelines and types.ts for the results.
 */
export { SessionManager, type SendOptions } from './manager.js';
export { DEFAULT_SESSION_LIMITS, type RateLimit, type SessionLimits, resolveSessionLimits } from './limits.js';
export { REPLAY_WINDOW, ReplayWindow } from './replay-window.js';
export { HandshakeClock, SESSION_PROLOGUE_LABEL, sessionPrologue } from './handshake.js';
export { KeyedRateLimiter, type KeyedRateLimitOptions } from '../util/keyed-rate-limit.js';
export * from './types.js';
