/**
 * The admin API wire format: JSON lines over a Unix socket.
 *
 *   request   {"v":1,"id":7,"method":"neighbors","params":{}}
 *   response  {"v":1,"id":7,"ok":true,"result":[...]}
 *             {"v":1,"id":7,"ok":false,"error":{"code":"SKEIN_ERR_…","message":"…"}}
 *   event     {"v":1,"id":7,"event":{...}}      (only for streaming methods, until the client closes)
 *
 * `v` is the API version; a request with another version is refused with
 * SKEIN_ERR_API_VERSION so old CLIs fail clearly against new daemons.
 */
export const ADMIN_API_VERSION = 1;
/** A request or response line longer than this is refused (the connection is closed). */
export const MAX_ADMIN_LINE_BYTES = 1 << 20;
export const MAX_ADMIN_CONNECTIONS = 32;

export interface AdminRequest {
  v: number;
  id: number;
  method: string;
  params: Record<string, unknown>;
}

export interface AdminErrorBody {
  code: string;
  message: string;
}

export type AdminResponse =
  | { v: number; id: number; ok: true; result: unknown }
  | { v: number; id: number; ok: false; error: AdminErrorBody }
  | { v: number; id: number; event: unknown };

export class AdminProtocolError extends Error {}

/** Parse one request line; throws AdminProtocolError with a message fit to return to the client. */
export function parseRequest(line: string): AdminRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new AdminProtocolError('request is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new AdminProtocolError('request must be a JSON object');
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== 'number' || !Number.isSafeInteger(r.id)) throw new AdminProtocolError('request.id must be an integer');
  if (typeof r.method !== 'string' || r.method.length === 0 || r.method.length > 64) throw new AdminProtocolError('request.method must be a short string');
  if (typeof r.v !== 'number') throw new AdminProtocolError('request.v (API version) is missing');
  const params = r.params ?? {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new AdminProtocolError('request.params must be an object');
  return { v: r.v, id: r.id, method: r.method, params: params as Record<string, unknown> };
}

/**
 * Splits a byte stream into lines, refusing any line longer than the limit
 * before buffering it (so a client cannot make the daemon allocate without bound).
 */
export class LineSplitter {
  private pending = '';

  constructor(private readonly maxLine = MAX_ADMIN_LINE_BYTES) {}

  /** Returns complete lines; throws AdminProtocolError when a line exceeds the limit. */
  push(chunk: string): string[] {
    const parts = (this.pending + chunk).split('\n');
    this.pending = parts.pop() ?? '';
    if (this.pending.length > this.maxLine) throw new AdminProtocolError(`line longer than ${this.maxLine} bytes`);
    for (const p of parts) if (p.length > this.maxLine) throw new AdminProtocolError(`line longer than ${this.maxLine} bytes`);
    return parts.filter((p) => p.trim().length > 0);
  }
}
