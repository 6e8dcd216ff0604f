/** What a node's link layer counts: dials, the listener's admissions and refusals, handshakes, duplicates. */
import type { AcceptGateCounters } from './accept-gate.js';
import type { DialPolicyCounters } from './dial-policy.js';

export interface LinkCounters extends DialPolicyCounters, AcceptGateCounters {
  /** Inbound connections whose initiation was refused before any handshake work (no or wrong mac1). */
  inboundRefusedInitiation: number;
  inboundAccepted: number;
  inboundRefusedBusy: number;
  dialsStarted: number;
  dialsFailed: number;
  handshakeFailures: number;
  authFailures: number;
  /** Inbound connections closed before authenticating, for any reason but a refused certificate (garbage, timeouts, resets). */
  unauthenticatedDropped: number;
  duplicatesClosed: number;
}
