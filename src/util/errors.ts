/**
 * Typed errors with stable machine codes.
 *
 * Tests, the CLI and the admin API switch on `code`, never on message text.
 * Every layer defines its codes here so the whole vocabulary is in one place
 * and a code never changes meaning once released.
 */
export const ErrorCodes = {
  // wire
  DECODE: 'SKEIN_ERR_DECODE',
  ENCODE: 'SKEIN_ERR_ENCODE',
  // identity / trust
  CERT_MALFORMED: 'SKEIN_ERR_CERT_MALFORMED',
  CERT_BAD_SIGNATURE: 'SKEIN_ERR_CERT_BAD_SIGNATURE',
  CERT_UNKNOWN_ISSUER: 'SKEIN_ERR_CERT_UNKNOWN_ISSUER',
  CERT_EXPIRED: 'SKEIN_ERR_CERT_EXPIRED',
  CERT_NOT_YET_VALID: 'SKEIN_ERR_CERT_NOT_YET_VALID',
  CERT_REVOKED: 'SKEIN_ERR_CERT_REVOKED',
  CERT_UNSUPPORTED_VERSION: 'SKEIN_ERR_CERT_UNSUPPORTED_VERSION',
  CERT_CONSTRAINT: 'SKEIN_ERR_CERT_CONSTRAINT',
  CERT_WRONG_CLUSTER: 'SKEIN_ERR_CERT_WRONG_CLUSTER',
  INVALID_NAME: 'SKEIN_ERR_INVALID_NAME',
  // files
  FILE_NOT_FOUND: 'SKEIN_ERR_FILE_NOT_FOUND',
  FILE_EXISTS: 'SKEIN_ERR_FILE_EXISTS',
  FILE_PERMISSIONS: 'SKEIN_ERR_FILE_PERMISSIONS',
  FILE_FORMAT: 'SKEIN_ERR_FILE_FORMAT',
  // config / usage
  CONFIG: 'SKEIN_ERR_CONFIG',
  USAGE: 'SKEIN_ERR_USAGE',
  // lab
  LAB: 'SKEIN_ERR_LAB',
  LAB_NOT_ROOT: 'SKEIN_ERR_LAB_NOT_ROOT',
  LAB_TOOL_MISSING: 'SKEIN_ERR_LAB_TOOL_MISSING',
  LAB_NOT_FOUND: 'SKEIN_ERR_LAB_NOT_FOUND',
  // handshake / links / sessions
  HANDSHAKE: 'SKEIN_ERR_HANDSHAKE',
  HANDSHAKE_TIMEOUT: 'SKEIN_ERR_HANDSHAKE_TIMEOUT',
  /** The listener refused a connection before any handshake work (mac1, limits). */
  HANDSHAKE_REFUSED: 'SKEIN_ERR_HANDSHAKE_REFUSED',
  AUTH: 'SKEIN_ERR_AUTH',
  REPLAY: 'SKEIN_ERR_REPLAY',
  FRAME_TOO_LARGE: 'SKEIN_ERR_FRAME_TOO_LARGE',
  LINK_CLOSED: 'SKEIN_ERR_LINK_CLOSED',
  NONCE_EXHAUSTED: 'SKEIN_ERR_NONCE_EXHAUSTED',
  PEER_SILENT: 'SKEIN_ERR_PEER_SILENT',
  // discovery
  DISCOVERY: 'SKEIN_ERR_DISCOVERY',
  // lab (more)
  LAB_EXISTS: 'SKEIN_ERR_LAB_EXISTS',
  LAB_UNSUPPORTED: 'SKEIN_ERR_LAB_UNSUPPORTED',
  // routing
  ROUTING_BAD_SIGNATURE: 'SKEIN_ERR_ROUTING_BAD_SIGNATURE',
  ROUTING_ORIGIN_MISMATCH: 'SKEIN_ERR_ROUTING_ORIGIN_MISMATCH',
  ROUTING_EXPIRED: 'SKEIN_ERR_ROUTING_EXPIRED',
  ROUTING_LIMIT: 'SKEIN_ERR_ROUTING_LIMIT',
  // data plane
  TUN_UNAVAILABLE: 'SKEIN_ERR_TUN_UNAVAILABLE',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class SkeinError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'SkeinError';
  }
}

/** Raised by every decoder for any malformed, truncated or oversized input. */
export class DecodeError extends SkeinError {
  constructor(message: string) {
    super(ErrorCodes.DECODE, message);
    this.name = 'DecodeError';
  }
}

export function isSkeinError(err: unknown, code?: ErrorCode): err is SkeinError {
  return err instanceof SkeinError && (code === undefined || err.code === code);
}
