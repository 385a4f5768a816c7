import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkText } from './chunk-text.ts';

describe('chunkText', () => {
  it('keeps a short text as one chunk', () => {
    expect(chunkText('Hello world.')).toEqual([
      { index: 0, startChar: 0, endChar: 12, text: 'Hello world.' },
    ]);
  });

  it('overlaps consecutive chunks and never cuts a word', () => {
    const words = Array.from({ length: 2000 }, (_, i) => `word${i}`);
    const text = words.join(' ');
    const chunks = chunkText(text, { sizeChars: 300, overlapChars: 60 });
    expect(chunks.length).toBeGreaterThan(10);
    for (let i = 1; i < chunks.length; i++) {
      const previous = chunks[i - 1];
      const chunk = chunks[i];
      if (!previous || !chunk) throw new Error('missing chunk');
      expect(chunk.startChar).toBeLessThan(previous.endChar);
      expect(previous.endChar - chunk.startChar).toBeGreaterThanOrEqual(40);
      for (const token of chunk.text.split(' ')) expect(token).toMatch(/^word\d+$/);
    }
    expect(chunks.at(-1)?.text.endsWith('word1999')).toBe(true);
  });

  it('covers every character, stays within size and always moves forward, whatever the text', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 3000, unit: 'grapheme' }),
        fc.integer({ min: 20, max: 400 }),
        (text, size) => {
          const chunks = chunkText(text, { sizeChars: size, overlapChars: Math.floor(size / 4) });
          let covered = 0;
          for (const c of chunks) {
            expect(c.endChar - c.startChar).toBeLessThanOrEqual(size);
            expect(text.slice(c.startChar, c.endChar).trim()).toBe(c.text);
            // Nothing but whitespace between what earlier chunks covered and this one's start.
            if (c.startChar > covered) expect(text.slice(covered, c.startChar).trim()).toBe('');
            covered = Math.max(covered, c.endChar);
          }
          expect(text.slice(covered).trim()).toBe('');
        },
      ),
      { numRuns: 200 },
    );
  });
});
