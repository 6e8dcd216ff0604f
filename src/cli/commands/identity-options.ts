/**
 * Option parsers shared by the identity commands. Bad values become
 * commander usage errors (one line, exit code 2).
 */
import { InvalidArgumentError } from 'commander';
import { MAX_VALIDITY_DAYS, parseNameList, validateGroupName, validateNamePattern, validateNamePatternList } from '../../identity/index.js';
import { isSkeinError } from '../../util/errors.js';

export function parseDays(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1 || n > MAX_VALIDITY_DAYS) {
    throw new InvalidArgumentError(`expected a whole number of days from 1 to ${MAX_VALIDITY_DAYS}`);
  }
  return n;
}

function asUsageError<T>(parse: (value: string) => T) {
  return (value: string): T => {
    try {
      return parse(value);
    } catch (err) {
      if (isSkeinError(err)) throw new InvalidArgumentError(err.message);
      throw err;
    }
  };
}

export const parseGroups = asUsageError((value) => parseNameList(value, validateGroupName));
/** Each pattern valid and not too long, and no more of them than one signer may hold. */
export const parsePatterns = asUsageError((value) => validateNamePatternList(parseNameList(value, validateNamePattern)));

/** For repeatable options: --ca a.crt --ca b.crt */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parseTime(value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError('expected a date (ISO 8601, e.g. 2030-01-31T12:00:00Z) or seconds since the epoch');
  return ms;
}
