import canonicalize from 'canonicalize';

/**
 * Canonical JSON and SHA-256 for code that runs in Node and in the browser alike: RFC 8785 (JCS)
 * through `canonicalize`, SHA-256 through Web Crypto (`globalThis.crypto`, in Node 20 as well).
 */

/** RFC 8785 canonical JSON of `value`; throws on values JSON cannot hold (NaN, undefined at the top). */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value has no canonical JSON form');
  return text;
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let hex = '';
  for (const b of view) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** SHA-256 of bytes or of a string's UTF-8, as lowercase hex. */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === 'string' ? utf8(data) : data;
  return toHex(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** The previous hash of a chain's first record. */
export const GENESIS_HASH = '0'.repeat(64);
