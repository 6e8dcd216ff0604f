/**
 * ChaCha20-Poly1305 (IETF, RFC 8439) over caller-owned buffers: the one AEAD
 * every link frame, session packet and handshake message uses.
 *
 * Two implementations of the same construction, chosen once at load:
 * - `openssl`: native/aead.c, EVP from the OpenSSL that Node itself links.
 *   Its assembly is ~1.5x libsodium's on 64 KB packets here (37 vs 57 us) and
 *   ~2x on small ones, and it works in place like libsodium does.
 * - `libsodium`: sodium-native, when the addon was not built (no C toolchain)
 *   or `SKEIN_AEAD=libsodium` asks for it.
 * Both write identical bytes; before the addon is trusted it must reproduce
 * RFC 8439's AEAD test vector (section 2.8.2) and open it again, otherwise
 * libsodium is used.
 *
 * `out` may begin at the same byte as the input (in place) or not overlap it.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import sodium from 'sodium-native';

export type AeadImplementation = 'openssl' | 'libsodium';

interface AeadCore {
  /** out = ciphertext || tag; out.byteLength must be plaintext.byteLength + 16. */
  seal(out: Uint8Array, plaintext: Uint8Array, ad: Uint8Array | null, nonce: Uint8Array, key: Uint8Array): void;
  /** true and out = plaintext, or false (bad tag, or too short) with out zeroed; out.byteLength = ciphertext.byteLength - 16. */
  open(out: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array | null, nonce: Uint8Array, key: Uint8Array): boolean;
}

/** Where node-gyp puts the addon, relative to src/crypto/, dist/crypto/ or dist/bundle/. */
const ADDON_PATH = fileURLToPath(new URL('../../build/Release/skein_aead.node', import.meta.url));

const libsodiumCore: AeadCore = {
  seal(out, plaintext, ad, nonce, key) {
    sodium.crypto_aead_chacha20poly1305_ietf_encrypt(out, plaintext, ad, null, nonce, key);
  },
  open(out, ciphertext, ad, nonce, key) {
    if (ciphertext.byteLength < 16) return false;
    try {
      sodium.crypto_aead_chacha20poly1305_ietf_decrypt(out, null, ciphertext, ad, nonce, key);
      return true;
    } catch {
      return false;
    }
  },
};

const hex = (text: string): Uint8Array => Buffer.from(text.replace(/\s+/g, ''), 'hex');

/** RFC 8439 section 2.8.2: the AEAD test vector, with its expected ciphertext and tag. */
export const RFC8439_AEAD_VECTOR = {
  key: hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f'),
  nonce: hex('070000004041424344454647'),
  ad: hex('50515253c0c1c2c3c4c5c6c7'),
  plaintext: Buffer.from(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  ),
  ciphertextAndTag: hex(`
    d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6
    3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36
    92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc
    3ff4def08e4b7a9de576d26586cec64b6116
    1ae10b594f09e26a7e902ecbd0600691`),
};

/** Does `core` reproduce the RFC vector, open it, and refuse it with one bit changed? */
export function passesKnownAnswer(core: AeadCore): boolean {
  const v = RFC8439_AEAD_VECTOR;
  const sealed = new Uint8Array(v.plaintext.byteLength + 16);
  core.seal(sealed, v.plaintext, v.ad, v.nonce, v.key);
  if (!Buffer.from(sealed).equals(v.ciphertextAndTag)) return false;
  const opened = new Uint8Array(v.plaintext.byteLength);
  if (!core.open(opened, sealed, v.ad, v.nonce, v.key) || !Buffer.from(opened).equals(v.plaintext)) return false;
  sealed[0]! ^= 1;
  return !core.open(opened, sealed, v.ad, v.nonce, v.key);
}

/** The OpenSSL core, or why it cannot be used. */
export function loadOpensslCore(): AeadCore | string {
  let core: AeadCore;
  try {
    core = createRequire(import.meta.url)(ADDON_PATH) as AeadCore;
  } catch (err) {
    return `${ADDON_PATH} did not load: ${(err as Error).message.split('\n')[0]}`;
  }
  return passesKnownAnswer(core) ? core : `${ADDON_PATH} failed the RFC 8439 known-answer test`;
}

function choose(): { core: AeadCore; implementation: AeadImplementation; fallbackReason?: string } {
  if (process.env.SKEIN_AEAD === 'libsodium') return { core: libsodiumCore, implementation: 'libsodium', fallbackReason: 'SKEIN_AEAD=libsodium' };
  const openssl = loadOpensslCore();
  if (typeof openssl === 'string') return { core: libsodiumCore, implementation: 'libsodium', fallbackReason: openssl };
  return { core: openssl, implementation: 'openssl' };
}

const chosen = choose();

/** Which implementation this process uses, and why not OpenSSL when it is libsodium. */
export function aeadImplementation(): { implementation: AeadImplementation; fallbackReason?: string } {
  return { implementation: chosen.implementation, ...(chosen.fallbackReason === undefined ? {} : { fallbackReason: chosen.fallbackReason }) };
}

/** Seal `plaintext` into `out` (ciphertext || 16-byte tag). */
export const chachaPolySeal: AeadCore['seal'] = chosen.core.seal;
/** Open `ciphertext` into `out`; false (and `out` zeroed) when it does not authenticate. */
export const chachaPolyOpen: AeadCore['open'] = chosen.core.open;

/** The libsodium core, for tests that compare the two. */
export const libsodiumAead: AeadCore = libsodiumCore;
