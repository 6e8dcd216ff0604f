/** Shared builders for the discovery tests (keys from fixed seeds: deterministic). */
import { signingKeyPairFromSeed, type SigningKeyPair } from '../../src/crypto/primitives.js';
import { encodeAdvertisement, type AdvertisementBody } from '../../src/wire/advertisement.js';

export const CLUSTER = new Uint8Array([0xfd, 1, 2, 3, 4]);
export const OTHER_CLUSTER = new Uint8Array([0xfd, 9, 9, 9, 9]);
export const T0 = 1_700_000_000_000;

export function keyPair(seedByte: number): SigningKeyPair {
  return signingKeyPairFromSeed(new Uint8Array(32).fill(seedByte));
}

export function body(kp: SigningKeyPair, over: Partial<AdvertisementBody> = {}): AdvertisementBody {
  return {
    publicKey: kp.publicKey,
    clusterId: CLUSTER,
    name: 'node-b',
    port: 7460,
    timestampMs: T0,
    instance: new Uint8Array(8).fill(7),
    counter: 1,
    ...over,
  };
}

export function advert(kp: SigningKeyPair, over: Partial<AdvertisementBody> = {}): Uint8Array {
  return encodeAdvertisement(body(kp, over), kp.secretKey);
}
