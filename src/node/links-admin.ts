/** The admin method about links: `neighbors`. */
import type { AdminRegistry } from '../control/server.js';
import type { NeighborInfo } from '../control/protocol.js';

export function registerLinksAdmin(admin: AdminRegistry, links: { neighbors(): NeighborInfo[] }): void {
  admin.register('neighbors', () => links.neighbors());
}
