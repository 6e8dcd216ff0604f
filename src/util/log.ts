/**
 * Structured logging (pino). Daemons log JSON lines by default; `human` mode
 * renders the same records as one readable line each. The logger is created
 * once by the composition root and passed down; libraries never create one.
 *
 * Secrets never reach a log: nothing logs key material, and as a second line
 * of defence any field named like a secret is redacted.
 */
import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';
import { Writable } from 'node:stream';

export type Logger = PinoLogger;
export type LogFormat = 'json' | 'human';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const REDACT_PATHS = ['seed', 'secretKey', 'privateKey', 'sendKey', 'recvKey', '*.seed', '*.secretKey', '*.privateKey', '*.sendKey', '*.recvKey'];

export interface LogOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go; default stderr (stdout is kept for command output). */
  destination?: NodeJS.WritableStream;
  /** Fields added to every record (e.g. node name). */
  base?: Record<string, unknown>;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const dest = opts.destination ?? process.stderr;
  const stream = opts.format === 'human' ? humanStream(dest) : dest;
  return pino(
    {
      level: (opts.level ?? 'info') as LevelWithSilent,
      base: opts.base ?? {},
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream as pino.DestinationStream,
  );
}

/** A logger that discards everything (tests, library defaults). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

const HUMAN_SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

function humanStream(dest: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        dest.write(`${formatHumanLine(line)}\n`);
      }
      done();
    },
  });
}

/** `12:00:01.123 INFO  link up peer=n2 iface=eth0` from a pino JSON line. */
export function formatHumanLine(jsonLine: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine;
  }
  const time = typeof rec.time === 'string' ? rec.time.slice(11, 23) : '';
  const level = String(rec.level ?? '').toUpperCase().padEnd(5);
  const fields = Object.entries(rec)
    .filter(([k]) => !HUMAN_SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${time} ${level} ${String(rec.msg ?? '')}${fields ? ` ${fields}` : ''}`;
}
