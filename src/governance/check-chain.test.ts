import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ChainLink, checkChain } from './check-chain.ts';
import { canonicalJson, GENESIS_HASH, sha256Hex } from './digest.ts';

async function chainOf(outputs: readonly string[]): Promise<ChainLink[]> {
  const links: ChainLink[] = [];
  let prevHash = GENESIS_HASH;
  for (const [i, output] of outputs.entries()) {
    const seq = i + 1;
    const body = canonicalJson({ kind: 'attempt', seq, prevHash, output, files: [] });
    const hash = await sha256Hex(body);
    links.push({ seq, hash, prevHash, body });
    prevHash = hash;
  }
  return links;
}

const outputs = fc.array(fc.string({ maxLength: 20 }), { minLength: 2, maxLength: 12 });

describe('checkChain', () => {
  it('accepts an untouched chain', async () => {
    await fc.assert(
      fc.asyncProperty(outputs, async (o) => {
        const result = await checkChain(await chainOf(o));
        expect(result.problems).toEqual([]);
        expect(result.head?.seq).toBe(o.length);
      }),
    );
  });

  it('detects any single edit of a record and names its seq', async () => {
    await fc.assert(
      fc.asyncProperty(outputs, fc.nat(), fc.string({ minLength: 1, maxLength: 5 }), async (o, at, extra) => {
        const links = await chainOf(o);
        const i = at % links.length;
        const link = links[i]!;
        links[i] = { ...link, body: (link.body ?? '').replace('"output":"', `"output":"${extra}`) };
        const result = await checkChain(links);
        expect(result.ok).toBe(false);
        expect(result.problems).toContainEqual(expect.objectContaining({ kind: 'edited', seq: i + 1 }));
      }),
    );
  });

  it('detects an edit that recomputed the hash as a broken link after it', async () => {
    await fc.assert(
      fc.asyncProperty(outputs, fc.nat(), async (o, at) => {
        const links = await chainOf(o);
        const i = at % (links.length - 1);
        const link = links[i]!;
        const body = (link.body ?? '').replace('"output":"', '"output":"forged ');
        links[i] = { ...link, body, hash: await sha256Hex(body) };
        const result = await checkChain(links);
        expect(result.problems).toContainEqual(expect.objectContaining({ kind: 'broken-link', seq: i + 2 }));
      }),
    );
  });

  it('detects any single deletion and names the missing seq', async () => {
    await fc.assert(
      fc.asyncProperty(outputs, fc.nat(), async (o, at) => {
        const links = await chainOf(o);
        const i = at % links.length;
        const head = links.at(-1)!;
        links.splice(i, 1);
        // The last record leaves no gap: only a known head (signed manifest, sealed attempts) shows it.
        const result = await checkChain(links, { expectedHead: { seq: head.seq, hash: head.hash } });
        expect(result.ok).toBe(false);
        expect(result.problems).toContainEqual(expect.objectContaining({ kind: 'deleted', seq: i + 1 }));
      }),
    );
  });

  it('detects any swap of two records and names both', async () => {
    await fc.assert(
      fc.asyncProperty(outputs, fc.nat(), fc.nat(), async (o, a, b) => {
        const links = await chainOf(o);
        const i = a % links.length;
        let j = b % links.length;
        if (i === j) j = (i + 1) % links.length;
        [links[i], links[j]] = [links[j]!, links[i]!];
        const result = await checkChain(links);
        expect(result.ok).toBe(false);
        const named = new Set(result.problems.filter((p) => p.kind === 'reordered').map((p) => p.seq));
        expect(named.has(i + 1) || named.has(j + 1)).toBe(true);
      }),
    );
  });

  it('detects an inserted record, forged or duplicated', async () => {
    await fc.assert(
      fc.asyncProperty(outputs, fc.nat(), fc.boolean(), async (o, at, duplicate) => {
        const links = await chainOf(o);
        const i = at % links.length;
        const source = links[i]!;
        const body = canonicalJson({
          kind: 'attempt',
          seq: source.seq,
          prevHash: source.prevHash,
          output: 'forged',
          files: [],
        });
        const forged = duplicate ? { ...source } : { ...source, body, hash: await sha256Hex(body) };
        links.splice(i + 1, 0, forged);
        const result = await checkChain(links);
        expect(result.ok).toBe(false);
        expect(result.problems).toContainEqual(
          expect.objectContaining({ kind: 'inserted', seq: source.seq }),
        );
      }),
    );
  });
});
