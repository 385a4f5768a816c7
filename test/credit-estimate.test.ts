import { afterEach, describe, expect, it } from 'vitest';
import { createWorker } from '../src/engine/worker.ts';
import type { EstimateAccuracy } from '../src/models/estimate-accuracy.ts';
import type { RunEstimate } from '../src/models/estimate-run.ts';
import type { RunDetails } from '../src/runs/run-view.ts';
import { type ApiHarness, createApiHarness } from './support/api-harness.ts';
import { createSiteViaApi, extractAll, uploadViaApi } from './support/sites.ts';
import { reportAgent, storeKinds } from './support/test-deps.ts';

/** The error this project states for the estimate on the simulated model once an agent has history. */
const STATED_ERROR = 0.1;

const customers = ['Acme Corp', 'Globex Inc', 'Initech AG', 'Umbrella Co', 'Hooli Ltd', 'Stark Ind.'];

describe.each(storeKinds)('credit estimate on %s', (kind) => {
  let api: ApiHarness;
  afterEach(async () => {
    await api.close();
  });

  const createRun = async (agentId: string, customer: string, start = true) => {
    const res = await api.call<RunDetails>('POST', `/api/agents/${agentId}/runs`, {
      variables: { customer },
      start,
    });
    expect(res.status).toBe(201);
    return res.body;
  };

  it('shows a figure and a range before the run starts, from max output tokens when there is no history', async () => {
    api = await createApiHarness(kind);
    const agent = await api.call<{ id: string }>('POST', '/api/agents', {
      ...reportAgent,
      modelSettings: { model: 'simulated/default', maxOutputTokens: 300 },
    });
    const run = await createRun(agent.body.id, 'Acme', false);
    expect(run.status).toBe('new');
    expect(run.estimatedCredits).toBeGreaterThan(0);
    expect(run.estimatedCreditsRange?.low).toBeLessThan(run.estimatedCredits);
    expect(run.estimatedCreditsRange?.high).toBe(run.estimatedCredits);
    const estimate = run.estimate as RunEstimate;
    expect(estimate.steps.map((s) => [s.basis, s.outputTokens.expected, s.tokenizer])).toEqual([
      ['max-output-tokens', 300, 'characters÷4 (simulated)'],
      ['max-output-tokens', 300, 'characters÷4 (simulated)'],
      ['max-output-tokens', 300, 'characters÷4 (simulated)'],
    ]);
    // Step 2 quotes step 1's output: its input counts step 1's expected answer.
    expect(estimate.steps[1]?.inputTokens.expected).toBeGreaterThan(300);
    expect(run.estimateError).toBeNull();
  });

  it(`comes within ${STATED_ERROR * 100}% of the actual credits once the agent version has history`, async () => {
    api = await createApiHarness(kind);
    const agent = await api.call<{ id: string }>('POST', '/api/agents', reportAgent);
    for (const customer of customers.slice(0, 5)) await createRun(agent.body.id, customer);
    await createWorker(api.deps).runOnce();

    const run = await createRun(agent.body.id, customers[5] ?? 'Stark');
    const estimate = run.estimate as RunEstimate;
    expect(estimate.steps.every((s) => s.basis === 'history' && s.historySamples === 5)).toBe(true);
    await createWorker(api.deps).runOnce();
    const done = (await api.call<RunDetails>('GET', `/api/runs/${run.id}`)).body;
    expect(done.status).toBe('completed');
    expect(done.actualCredits).not.toBeNull();
    expect(Math.abs(done.estimateError ?? 1)).toBeLessThanOrEqual(STATED_ERROR);
    expect(done.estimateError).toBeCloseTo(
      ((done.actualCredits ?? 0) - done.estimatedCredits) / done.estimatedCredits,
      3,
    );

    const accuracy = await api.call<EstimateAccuracy>(
      'GET',
      `/api/agents/${agent.body.id}/estimate-accuracy`,
    );
    expect(accuracy.status).toBe(200);
    expect(accuracy.body.runs).toBe(6);
    expect(accuracy.body.recent[0]?.runId).toBe(run.id);
    expect(Math.abs(accuracy.body.recent[0]?.error ?? 1)).toBeLessThanOrEqual(STATED_ERROR);
    expect(accuracy.body.byVersion).toEqual([
      { agentVersion: 1, runs: 6, meanAbsoluteError: accuracy.body.meanAbsoluteError },
    ]);
  });

  it('counts the Sites source context a step quotes, within the stated error of the prompt it gets', async () => {
    api = await createApiHarness(kind);
    const site = await createSiteViaApi(api, 'Policies');
    const policy = Array.from(
      { length: 40 },
      (_, i) => `Clause ${i + 1}: a refund is paid within ${i + 10} days to the original card.`,
    ).join('\n');
    expect((await uploadViaApi(api, site.id, 'refunds.txt', policy)).status).toBe(201);
    await uploadViaApi(api, site.id, 'shipping.txt', 'Shipping takes five business days.');
    await extractAll(api);
    const agent = await api.call<{ id: string }>('POST', '/api/agents', {
      name: 'Policy answers',
      variables: [{ name: 'topic', type: 'string', required: true }],
      modelSettings: { model: 'simulated/default' },
      steps: [
        {
          name: 'Answer',
          prompt: 'Answer about {{ vars.topic }} from these sources:\n{{ sources }}',
          sources: { query: '{{ vars.topic }}', limit: 3 },
        },
      ],
    });
    const start = (siteIds: string[]) =>
      api.call<RunDetails>('POST', `/api/agents/${agent.body.id}/runs`, {
        variables: { topic: 'refund' },
        siteIds,
      });
    const without = (await start([])).body;
    const withSite = (await start([site.id])).body;
    const inputOf = (run: RunDetails) => (run.estimate as RunEstimate).steps[0]?.inputTokens.expected ?? 0;
    // Three chunks of the refunds policy are far longer than the prompt around them.
    expect(inputOf(withSite)).toBeGreaterThan(inputOf(without) * 3);
    expect(withSite.estimatedCredits).toBeGreaterThan(without.estimatedCredits);

    await createWorker(api.deps).runOnce();
    const done = (await api.call<RunDetails>('GET', `/api/runs/${withSite.id}`)).body;
    expect(done.status).toBe('completed');
    const [step] = done.steps;
    if (!step) throw new Error('the run has no step');
    expect(step.sources).toHaveLength(3);
    const actualInput = (step.usage as { inputTokens: number }).inputTokens;
    expect(Math.abs(inputOf(withSite) - actualInput) / actualInput).toBeLessThanOrEqual(STATED_ERROR);
  });

  it('answers 404 for the accuracy of an agent that does not exist', async () => {
    api = await createApiHarness(kind);
    const res = await api.call('GET', '/api/agents/agt_missing/estimate-accuracy');
    expect(res.status).toBe(404);
  });
});
