/** Certificate times are whole seconds on the wire; people read them as UTC ISO 8601. */
import { MS_PER_SECOND } from './constants.js';

/** Largest time JavaScript's Date can show (±8.64e15 ms). */
const MAX_DATE_SECONDS = 8.64e12;

export function formatTime(seconds: number): string {
  if (seconds > MAX_DATE_SECONDS) return `+${seconds}s`;
  return new Date(seconds * MS_PER_SECOND).toISOString().replace('.000Z', 'Z');
}
