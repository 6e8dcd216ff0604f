import assert from 'node:assert/strict';
import test from 'node:test';
import { AEAD_TAG_BYTES } from '../../src/crypto/primitives.js';
import { NODE_ID_BYTES } from '../../src/identity/node-id.js';
import { NativeLinks } from '../../src/link/native-link.js';
import { DEFAULT_LINK_CONFIG } from '../../src/link/config.js';
import { FRAME_HEADER_BYTES, LINK_PAYLOAD_OVERHEAD, LINK_PROTOCOL_VERSION, LinkMessageType, MAX_FRAME_BYTES } from '../../src/wire/link-constants.js';
import {
  DATA_MIN_BODY_BYTES, MESH_PACKET_CHANNEL, MESH_PACKET_VERSION, PACKET_DESTINATION_OFFSET, PACKET_HEADER_BYTES, PACKET_HOP_LIMIT_OFFSET,
  PACKET_SOURCE_OFFSET, PacketType,
} from '../../src/wire/packet-constants.js';

const loaded = NativeLinks.load(new Uint8Array(NODE_ID_BYTES));

test('the native link is compiled with the wire constants of the TypeScript link and mesh packet', { skip: typeof loaded === 'string' ? loaded : false }, () => {
  const native = loaded as NativeLinks;
  try {
    const layout = native.layout();
    assert.deepEqual(
      {
        frameHeaderBytes: layout.frameHeaderBytes, maxFrameBytes: layout.maxFrameBytes, linkProtocolVersion: layout.linkProtocolVersion,
        linkTypePayload: layout.linkTypePayload, linkPayloadOverhead: layout.linkPayloadOverhead, meshPacketChannel: layout.meshPacketChannel,
        meshPacketVersion: layout.meshPacketVersion, packetTypeData: layout.packetTypeData, packetSourceOffset: layout.packetSourceOffset,
        packetDestinationOffset: layout.packetDestinationOffset, packetHopLimitOffset: layout.packetHopLimitOffset,
        packetHeaderBytes: layout.packetHeaderBytes, dataMinBodyBytes: layout.dataMinBodyBytes,
      },
      {
        frameHeaderBytes: FRAME_HEADER_BYTES, maxFrameBytes: MAX_FRAME_BYTES, linkProtocolVersion: LINK_PROTOCOL_VERSION,
        linkTypePayload: LinkMessageType.PAYLOAD, linkPayloadOverhead: LINK_PAYLOAD_OVERHEAD, meshPacketChannel: MESH_PACKET_CHANNEL,
        meshPacketVersion: MESH_PACKET_VERSION, packetTypeData: PacketType.DATA, packetSourceOffset: PACKET_SOURCE_OFFSET,
        packetDestinationOffset: PACKET_DESTINATION_OFFSET, packetHopLimitOffset: PACKET_HOP_LIMIT_OFFSET,
        packetHeaderBytes: PACKET_HEADER_BYTES, dataMinBodyBytes: DATA_MIN_BODY_BYTES,
      },
    );
    // The receive buffer holds one whole frame and more; the high-water mark is below the transit queue bound.
    assert.ok(layout.receiveBufferBytes >= FRAME_HEADER_BYTES + MAX_FRAME_BYTES + AEAD_TAG_BYTES);
    assert.ok(layout.txHighWaterBytes < DEFAULT_LINK_CONFIG.maxQueuedBytes);
  } finally {
    native.release();
  }
});
