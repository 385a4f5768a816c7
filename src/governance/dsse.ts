/**
 * DSSE (Dead Simple Signing Envelope) pieces that run in Node and the browser: the
 * pre-authentication encoding that is what gets signed, base64, PEM and ECDSA signature formats.
 */
import { utf8 } from './digest.ts';

/** `DSSEv1 <len(type)> <type> <len(body)> <body>`, lengths in bytes, as the DSSE spec defines. */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = utf8(payloadType);
  const head = utf8(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** The DER bytes of the first PEM block (e.g. a SubjectPublicKeyInfo). */
export function pemToDer(pem: string): Uint8Array {
  const body = pem.replace(/-----(BEGIN|END) [^-]+-----/g, '').replace(/\s+/g, '');
  return fromBase64(body);
}

/**
 * An ECDSA signature from DER (what DSSE, Sigstore and openssl carry) to the fixed-size r‖s form
 * Web Crypto verifies. Returns undefined for bytes that are not a DER ECDSA signature.
 */
export function derToP1363(der: Uint8Array, size = 32): Uint8Array | undefined {
  let at = 0;
  const byte = () => der[at++];
  if (byte() !== 0x30) return undefined;
  let length = byte() ?? 0;
  if (length & 0x80) at += length & 0x7f;
  const out = new Uint8Array(size * 2);
  for (let part = 0; part < 2; part++) {
    if (byte() !== 0x02) return undefined;
    length = byte() ?? 0;
    let int = der.subarray(at, at + length);
    at += length;
    while (int.length > size && int[0] === 0) int = int.subarray(1);
    if (int.length > size) return undefined;
    out.set(int, part * size + (size - int.length));
  }
  return out;
}
