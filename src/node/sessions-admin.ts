/** The admin method about end-to-end sessions: `sessions`. */
import type { AdminRegistry } from '../control/server.js';
import type { PeerSessionInfo } from '../control/protocol.js';
import type { Clock } from '../util/clock.js';

export function registerSessionsAdmin(admin: AdminRegistry, sessions: { peers(nowMs: number): PeerSessionInfo[] }, clock: Clock): void {
  admin.register('sessions', () => sessions.peers(clock.monotonic()));
}
