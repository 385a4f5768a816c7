import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentView } from '../src/agents/agent-service.ts';
import { createWorker } from '../src/engine/worker.ts';
import type { RunDetails } from '../src/runs/run-view.ts';
import type { SourceUse } from '../src/sites/run-source-context.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { createProbeProvider } from './support/probe-provider.ts';
import { createSiteViaApi, extractAll, uploadViaApi } from './support/sites.ts';
import { storeKinds } from './support/test-deps.ts';

const qaAgent = {
  name: 'Policy answers',
  variables: [{ name: 'topic', type: 'string', required: true }],
  modelSettings: { model: 'probe/default' },
  steps: [
    {
      name: 'Answer',
      prompt: 'Sources:\n{{ sources }}\n\nAnswer about {{ vars.topic }}, citing [n].',
      sources: { query: '{{ vars.topic }} window', limit: 2 },
    },
    { name: 'Shorten', prompt: 'Shorten: {{ steps.answer.output }}' },
  ],
};

describe.each(storeKinds)('source usage on %s', (kind) => {
  let api: ApiHarness;
  let probe: ReturnType<typeof createProbeProvider>;
  let siteId: string;
  let agent: AgentView;
  beforeEach(async () => {
    probe = createProbeProvider();
    api = await createApiHarness(kind, { providers: () => [probe.provider] });
    siteId = (await createSiteViaApi(api, 'Policies')).id;
    await uploadViaApi(
      api,
      siteId,
      'refunds.txt',
      'Refunds are accepted within a 30 day window of purchase.',
    );
    await uploadViaApi(api, siteId, 'shipping.txt', 'Shipping takes five business days.');
    await uploadViaApi(
      api,
      siteId,
      'returns.md',
      'Returns need the original receipt; the refund goes to the card.',
    );
    await extractAll(api);
    const created = await api.call<AgentView>('POST', '/api/agents', qaAgent);
    expect(created.status).toBe(201);
    agent = created.body;
  });
  afterEach(async () => {
    await api.close();
  });

  const runToEnd = async (siteIds: string[]) => {
    const created = await api.call<RunDetails>('POST', `/api/agents/${agent.id}/runs`, {
      variables: { topic: 'refund' },
      siteIds,
    });
    expect(created.status).toBe(201);
    await createWorker(api.deps).runOnce();
    const run = (await api.call<RunDetails>('GET', `/api/runs/${created.body.id}`)).body;
    expect(run.status).toBe('completed');
    return run;
  };

  it('renders the chosen chunks with numbered citations and records each one', async () => {
    const run = await runToEnd([siteId]);
    const prompt = probe.calls.find((c) => c.step === 1)?.prompt ?? '';
    expect(prompt).toContain(
      '[1] refunds.txt (version 1, chunk 1)\nRefunds are accepted within a 30 day window',
    );
    expect(prompt).toContain('[2] returns.md (version 1, chunk 1)');
    expect(prompt).not.toContain('shipping');
    const [answer, shorten] = run.steps;
    const sources = answer?.sources as SourceUse[];
    expect(sources.map((s) => [s.rank, s.documentName, s.version])).toEqual([
      [1, 'refunds.txt', 1],
      [2, 'returns.md', 1],
    ]);
    for (const s of sources) {
      expect(s.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(s.score).toBeGreaterThan(0);
      expect(typeof s.chunkId).toBe('number');
      expect(s.query).toBe('refund window');
      expect(s.url).toBe(`/api/sites/${siteId}/documents/${s.documentId}?version=${s.version}`);
    }
    expect(shorten?.sources).toEqual([]);
    expect(run.sites).toEqual([
      { id: siteId, name: 'Policies', archived: false, found: true, url: `/api/sites/${siteId}` },
    ]);
    const attempts = await api.call<{ items: Array<{ steps: Array<{ sources: SourceUse[] }> }> }>(
      'GET',
      `/api/runs/${run.id}/attempts`,
    );
    expect(attempts.body.items[0]?.steps[0]?.sources).toEqual(sources);
    // The link resolves to the document.
    const link = await api.call<{ name: string }>('GET', (sources[0]?.url ?? '').split('?')[0] ?? '');
    expect(link.body.name).toBe('refunds.txt');
  });

  it('keeps the version a run used after the document changes', async () => {
    const first = await runToEnd([siteId]);
    await uploadViaApi(api, siteId, 'refunds.txt', 'Refunds now have a 14 day window.');
    await extractAll(api);
    const second = await runToEnd([siteId]);
    const refundsIn = (run: RunDetails) =>
      ((run.steps[0]?.sources ?? []) as SourceUse[]).find((s) => s.documentName === 'refunds.txt');
    const firstSource = refundsIn(first);
    const secondSource = refundsIn(second);
    expect(secondSource).toMatchObject({
      documentName: 'refunds.txt',
      version: 2,
      text: 'Refunds now have a 14 day window.',
    });
    const again = (await api.call<RunDetails>('GET', `/api/runs/${first.id}`)).body;
    expect(refundsIn(again)).toEqual(firstSource);
    expect(firstSource?.text).toBe('Refunds are accepted within a 30 day window of purchase.');
    expect(firstSource?.sha256).not.toBe(secondSource?.sha256);
  });

  it('uses no sources when the run selected no Site, and shows an unknown Site as not found', async () => {
    const none = await runToEnd([]);
    expect(none.steps[0]?.sources).toEqual([]);
    expect(probe.calls.find((c) => c.step === 1)?.prompt).toContain('Sources:\n\n\nAnswer about refund');
    const unknown = await runToEnd(['sit_unknown']);
    expect(unknown.sites).toEqual([
      { id: 'sit_unknown', name: null, archived: false, found: false, url: '/api/sites/sit_unknown' },
    ]);
  });

  it('checks a retrieval query template like a prompt', async () => {
    const bad = await api.call<ErrorResponse>('POST', '/api/agents', {
      ...qaAgent,
      steps: [{ name: 'A', prompt: 'x {{ sources }}', sources: { query: '{{ vars.nope }}' } }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]?.path).toBe('steps[0].sources.query');
  });
});
