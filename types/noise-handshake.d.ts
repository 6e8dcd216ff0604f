// Minimal typings for holepunch's noise-handshake (Noise XX/IK over X25519,
// ChaChaPoly, BLAKE2b). Used for handshakes only; transport encryption is ours.
declare module 'noise-handshake' {
  export interface NoiseKeyPair {
    publicKey: Uint8Array;
    secretKey: Uint8Array;
  }
  /** The Diffie-Hellman function set (the library's default is X25519 from libsodium). */
  export interface NoiseCurve {
    DHLEN: number;
    PKLEN: number;
    SKLEN: number;
    ALG: string;
    generateKeyPair(privKey?: Uint8Array): NoiseKeyPair;
    dh(publicKey: Uint8Array, keyPair: NoiseKeyPair): Uint8Array;
  }
  export default class Noise {
    constructor(pattern: 'XX' | 'IK' | 'NN' | 'XK', initiator: boolean, staticKeypair?: NoiseKeyPair, opts?: { psk?: Uint8Array; curve?: NoiseCurve });
    s: NoiseKeyPair;
    e: NoiseKeyPair | null;
    rs: Uint8Array | null;
    re: Uint8Array | null;
    complete: boolean;
    /** Receive key once complete (by convention: initiator.rx === responder.tx). */
    rx: Uint8Array;
    tx: Uint8Array;
    hash: Uint8Array;
    initialise(prologue: Uint8Array, remoteStatic?: Uint8Array): void;
    send(payload?: Uint8Array): Uint8Array;
    recv(buf: Uint8Array): Uint8Array;
  }
}
