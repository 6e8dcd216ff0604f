/** The link layer's public surface, for the daemon and the simulator. */
export { MAX_HELD_MESSAGES, SecureChannel, type PayloadReceiver, type SecureChannelOptions } from './channel.js';
export type { ChannelState, LinkCloseCause, LinkCloseReason, LinkStats, SecureChannelEvents } from './channel-types.js';
export { DEFAULT_LINK_CONFIG, type LinkConfig, resolveLinkConfig } from './config.js';
export { checkExpectedPeer, createLinkHandshake, linkPrologue, type LinkHandshakeOptions } from './handshake.js';
export { compareNodeIds, dialDelayMs, dialsFirst, resolveDuplicate, type DuplicateDecision, type LinkCandidate } from './tiebreak.js';
export { DEFAULT_DIAL_BACKOFF, DialBackoff, backoffDelayMs, type BackoffPolicy } from './backoff.js';
export { MemoryDuplex, type MemoryDuplexOptions } from './memory-duplex.js';
export { isWildcardAddress, type LinkListener, type LinkTransport, type ListenRequest, type RemoteEndpoint } from './transport.js';
export { TcpTransport, tcpTransport } from './transport-tcp.js';
export { MemoryNetwork, MemoryTransport, type MemoryNetworkOptions } from './transport-memory.js';
export { LinkTable, linkKey, type Adoption, type TableLink } from './link-table.js';
export type { AuthenticatePeer, ExpectedPeer, PeerIdentity } from './types.js';
