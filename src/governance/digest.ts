/**
 * Canonical JSON and SHA-256 for code that runs in Node and in the browser alike: RFC 8785 (JCS),
 * SHA-256 through Web Crypto (`globalThis.crypto`, in Node 20 as well).
 */

/**
 * RFC 8785 canonical JSON of `value`; throws on what JSON cannot hold (NaN, Infinity, a lone
 * surrogate, undefined at the top, BigInt).
 *
 * JCS is ECMAScript's own JSON (JSON.stringify's numbers and string escapes) with object keys sorted
 * by UTF-16 code units, so strings and numbers go through JSON.stringify and only the structure is
 * walked here. `canonicalize` (the RFC authors' reference, which the tests hold this to) checks every
 * string for lone surrogates one character at a time in JavaScript: sealing records spent 9 % of the
 * engine's CPU in it on SQLite (bench/engine); this takes half its time (a 7.5 KB record: 30 → 15 µs).
 */
export function canonicalJson(value: unknown): string {
  const text = canonical(value);
  if (text === undefined) throw new Error('value has no canonical JSON form');
  return text;
}

/** `undefined` for what JSON leaves out (undefined, functions, symbols): omitted in objects, null in arrays. */
function canonical(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      if (!value.isWellFormed()) throw new Error('a lone surrogate has no canonical JSON form');
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`${value} has no canonical JSON form`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      const json = (value as { toJSON?: unknown }).toJSON;
      if (typeof json === 'function') return canonical(json.call(value));
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += `${i ? ',' : ''}${canonical(value[i]) ?? 'null'}`;
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      let out = '';
      for (const key of Object.keys(record).sort()) {
        const member = canonical(record[key]);
        if (member !== undefined) out += `${out ? ',' : ''}${canonical(key)}:${member}`;
      }
      return `{${out}}`;
    }
    case 'bigint':
      throw new Error('a BigInt has no canonical JSON form');
    default:
      return undefined;
  }
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
