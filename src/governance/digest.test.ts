import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './digest.ts';

/** The RFC authors' implementation, the oracle. */
const canonicalJsonByReference = (value: unknown) => {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value has no canonical JSON form');
  return text;
};

/** Keys that sort differently by code unit than by insertion, index-like keys, non-BMP and escapes. */
const key = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.constantFrom(
    '0',
    '1',
    '2',
    '10',
    '01',
    '4294967294',
    '4294967295',
    'a',
    'B',
    '\u20ac',
    '\r',
    '\ud83d\ude00',
    '\ufb33',
  ),
  fc.nat().map(String),
);
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string({ unit: 'grapheme' }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 6 }),
  ),
})).value;

const outcome = (f: () => string) => {
  try {
    return { text: f() };
  } catch {
    return { threw: true };
  }
};

describe('canonicalJson (RFC 8785)', () => {
  it('writes what the reference implementation writes, for any JSON value', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(canonicalJson(value)).toBe(canonicalJsonByReference(value));
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses what the reference refuses: lone surrogates, NaN, infinities', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 4 }), fc.boolean(), (s, asKey) => {
        const value = asKey ? { [s]: 1 } : { s };
        expect(outcome(() => canonicalJson(value))).toEqual(outcome(() => canonicalJsonByReference(value)));
      }),
      { numRuns: 2_000 },
    );
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, [1, Number.NaN]])
      expect(() => canonicalJson({ bad })).toThrow();
    expect(() => canonicalJson(undefined)).toThrow('value has no canonical JSON form');
  });

  it('keeps keys JavaScript would reorder or swallow where JCS puts them', () => {
    // An object copied key by key would list "10" before "9" and take `__proto__` as its prototype.
    const value = JSON.parse(
      '{"b":{"9":1,"10":2,"a":3},"__proto__":{"x":1},"a":[{"01":0,"1":1}]}',
    ) as unknown;
    expect(canonicalJson(value)).toBe(canonicalJsonByReference(value));
    expect(canonicalJson(value)).toBe('{"__proto__":{"x":1},"a":[{"01":0,"1":1}],"b":{"10":2,"9":1,"a":3}}');
  });

  it('matches the RFC 8785 examples', () => {
    // RFC 8785 §3.2.2 and §3.2.3: numbers as ECMAScript writes them, keys by UTF-16 code units.
    const numbers = [Number('333333333.33333329'), 1e30, 4.5, 2e-3, 1e-27];
    expect(canonicalJson({ numbers })).toBe('{"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27]}');
    const keys = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew',
      '1': 'One',
      '\ud83d\ude00': 'Emoji',
      '\u0080': 'Control',
      '\u00f6': 'Latin',
    };
    expect(canonicalJson(keys)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji","\ufb33":"Hebrew"}',
    );
    expect(canonicalJson({ b: [{ z: 1, y: { d: 2, c: 3 } }], a: new Date(0) })).toBe(
      '{"a":"1970-01-01T00:00:00.000Z","b":[{"y":{"c":3,"d":2},"z":1}]}',
    );
  });
});
