/** A logger whose JSON lines a test can read (what an operator would see at the given level). */
import { Writable } from 'node:stream';
import { createLogger, type Logger, type LogLevel } from '../../src/util/log.js';

export interface LogLines {
  logger: Logger;
  /** Every record written so far, parsed. */
  records(): Array<Record<string, unknown>>;
}

export function recordingLogger(level: LogLevel = 'info'): LogLines {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ level, destination }), records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
