/**
 * End-to-end sessions: the public API the daemon uses. Pure (no I/O, no
 * timers): see manager.ts for the pipelines and types.ts for the results.
 */
export { SessionManager } from './manager.js';
export { type SessionLimits, resolveSessionLimits } from './limits.js';
export * from './types.js';
export { type SessionOffload, type OffloadedPeer } from './offload.js';
export { type CipherKeys, type KeypairCipher, type OpenOutcome, TypeScriptCipher } from './keypair-cipher.js';
export { PeerActivity } from './peer.js';
