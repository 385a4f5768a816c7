import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createExtractionWorker } from '../src/sites/extraction-worker.ts';
import { chunkSearchQuery, searchChunks } from '../src/sites/search-chunks.ts';
import { createSite } from '../src/sites/site-service.ts';
import { uploadDocument } from '../src/sites/upload-document.ts';
import { queryPlan } from './support/query-plan.ts';
import { createTestDeps, storeKinds, type TestDeps } from './support/test-deps.ts';

const corpus: Record<string, string> = {
  'cats.txt': 'Cats are small carnivorous mammals. Cats purr when content. Cats sleep most of the day.',
  'dogs.txt': 'Dogs are loyal companions. A dog may chase a cat around the garden.',
  'finance.txt': 'Revenue and profit rose in the fourth quarter. The profit margin improved again.',
  'quarters.txt': 'Each quarter the fourth floor hosts a review. Nothing about money here.',
  'mixed.txt': 'The cat sat on the mat while revenue reports piled up.',
};

describe.each(storeKinds)('retrieval ranking on %s', (kind) => {
  let deps: TestDeps;
  let siteId: string;
  let otherSiteId: string;
  beforeEach(async () => {
    deps = await createTestDeps(kind);
    siteId = (await createSite(deps, deps.admin, { name: 'Corpus', description: '', uploadAgentId: null }))
      .id;
    otherSiteId = (
      await createSite(deps, deps.admin, { name: 'Other', description: '', uploadAgentId: null })
    ).id;
    for (const [name, text] of Object.entries(corpus))
      await uploadDocument(deps, deps.admin, siteId, {
        fileName: name,
        stream: Readable.from([Buffer.from(text)]),
      });
    await uploadDocument(deps, deps.admin, otherSiteId, {
      fileName: 'elsewhere.txt',
      stream: Readable.from([Buffer.from('Cats cats cats purr purr: the best cat document of all.')]),
    });
    await createExtractionWorker(deps).runOnce();
  });
  afterEach(async () => {
    await deps.close();
  });

  const search = async (query: string, limit = 10, siteIds = [siteId]) =>
    searchChunks(deps.store.db, deps.store.kind, { orgId: deps.admin.orgId, siteIds, query, limit });
  const names = async (query: string, limit = 10) => (await search(query, limit)).map((h) => h.documentName);

  it('ranks the document with more and rarer matches first', async () => {
    expect((await names('cats purr'))[0]).toBe('cats.txt');
    expect((await names('profit margin'))[0]).toBe('finance.txt');
    expect((await names('loyal dog'))[0]).toBe('dogs.txt');
  });

  it('finds a document on any word of the query (OR), best first, with decreasing scores', async () => {
    const hits = await search('cat revenue');
    expect(hits.map((h) => h.documentName).sort()).toEqual(['dogs.txt', 'finance.txt', 'mixed.txt']);
    // mixed.txt has both words.
    expect(hits[0]?.documentName).toBe('mixed.txt');
    const scores = hits.map((h) => h.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('matches a quoted phrase as a phrase', async () => {
    expect(await names('"fourth quarter"')).toEqual(['finance.txt']);
  });

  it('searches only the selected sites and the organization', async () => {
    expect(await names('purr')).toEqual(['cats.txt']);
    const both = await search('purr', 10, [siteId, otherSiteId]);
    expect(both.map((h) => h.documentName)).toEqual(['elsewhere.txt', 'cats.txt']);
    const foreign = await searchChunks(deps.store.db, deps.store.kind, {
      orgId: 'org_other',
      siteIds: [siteId],
      query: 'purr',
      limit: 10,
    });
    expect(foreign).toEqual([]);
  });

  it('honours the limit and finds nothing for a query without words', async () => {
    expect(await search('the', 2)).toHaveLength(2);
    expect(await search('!!! ... ---')).toEqual([]);
    // Operators of either syntax are words here, never syntax errors.
    expect(await names('AND OR NOT NEAR cats* "unclosed')).toContain('cats.txt');
  });

  it('returns what a citation needs: document, version, hash, chunk', async () => {
    const [hit] = await search('purr');
    expect(hit).toMatchObject({ documentName: 'cats.txt', version: 1, index: 0, siteId });
    expect(hit?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(typeof hit?.chunkId).toBe('number');
    expect(hit?.text).toBe(corpus['cats.txt']);
  });

  it('keeps live documents’ matches by probing an index, not by reading every document per match', async () => {
    const query = chunkSearchQuery(kind, {
      orgId: deps.admin.orgId,
      siteIds: [siteId],
      query: 'cat revenue',
      limit: 5,
    });
    if (!query) throw new Error('the query has words');
    const compiled = query.compile(deps.store.db);
    expect(await queryPlan(deps, { compile: () => compiled })).toContain('documents_indexed_version');
  });
});
