import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorker } from '../src/engine/worker.ts';
import type { ModelCall, ModelProvider } from '../src/models/model-provider.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { reportAgent, storeKinds } from './support/test-deps.ts';

interface PolicyVersion {
  version: number;
  policy: Record<string, unknown> & { permittedModels: string[]; mandatoryInstructions: string };
  sha256: string;
  createdBy: string;
  createdAt: string;
  changed?: boolean;
}
interface Run {
  id: string;
  status: string;
  policyVersion: number;
}
interface Attempt {
  number: number;
  status: string;
  policyVersionAtFinish: number | null;
}

/** Records every call's system prompt; answers like a tiny model. */
function createRecordingProvider() {
  const calls: ModelCall[] = [];
  const provider: ModelProvider = {
    id: 'rec',
    simulated: true,
    async generate(call) {
      calls.push(call);
      return { text: `answer ${call.stepNumber}`, usage: { inputTokens: 1, outputTokens: 1 } };
    },
  };
  return { provider, calls };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe.each(storeKinds)('policy versions on %s', (kind) => {
  let api: ApiHarness;
  let recording: ReturnType<typeof createRecordingProvider>;
  beforeEach(async () => {
    recording = createRecordingProvider();
    api = await createApiHarness(kind, { providers: () => [recording.provider] });
  });
  afterEach(async () => {
    await api.close();
  });

  const put = (policy: unknown, token?: string) =>
    api.call<PolicyVersion & ErrorResponse>('PUT', '/api/policy', policy, token ? { token } : {});
  const createAgent = async (model = 'simulated/default') =>
    (await api.call<{ id: string }>('POST', '/api/agents', { ...reportAgent, modelSettings: { model } })).body
      .id;

  it('starts at version 1, the default policy, hashed as RFC 8785 canonical JSON', async () => {
    const res = await api.call<PolicyVersion>('GET', '/api/policy');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      version: 1,
      createdBy: 'system',
      policy: {
        retentionDays: 0,
        deletionPrevention: false,
        legalHold: { active: false, reason: '', agentIds: [] },
        rolesAllowedToDelete: ['admin', 'editor'],
        permittedModels: ['*'],
        toolAccess: { mode: 'all', tools: [] },
        mandatoryInstructions: '',
        signingDefault: false,
      },
    });
    expect(res.body.sha256).toBe(sha256(canonicalize(res.body.policy) ?? ''));
  });

  it('makes each change a new version with author, time and hash, and keeps the history', async () => {
    const changed = await put({ retentionDays: 30, deletionPrevention: true, signingDefault: true });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ version: 2, changed: true, createdBy: api.deps.admin.userId });
    expect(changed.body.policy).toMatchObject({ retentionDays: 30, permittedModels: ['*'] });
    expect(changed.body.sha256).toBe(sha256(canonicalize(changed.body.policy) ?? ''));
    await put({ retentionDays: 60 });
    const history = await api.call<{ items: PolicyVersion[] }>('GET', '/api/policy/versions');
    expect(history.body.items.map((v) => [v.version, v.policy.retentionDays])).toEqual([
      [3, 60],
      [2, 30],
      [1, 0],
    ]);
    expect(new Set(history.body.items.map((v) => v.sha256)).size).toBe(3);
    const second = await api.call<PolicyVersion>('GET', '/api/policy/versions/2');
    expect(second.body).toEqual({ ...changed.body, changed: undefined, createdAt: changed.body.createdAt });
    expect((await api.call('GET', '/api/policy/versions/9')).status).toBe(404);
    const audit = await api.deps.store.db
      .selectFrom('audit_events')
      .select(['action', 'actor', 'details'])
      .where('action', '=', 'policy.changed')
      .orderBy('id')
      .execute();
    expect(audit.map((a) => [a.actor, JSON.parse(a.details).version])).toEqual([
      ['system', 1],
      [api.deps.admin.userId, 2],
      [api.deps.admin.userId, 3],
    ]);
  });

  it('makes no version when the policy is unchanged, whatever the order of its keys', async () => {
    await put({ signingDefault: true, retentionDays: 7 });
    const same = await put({ retentionDays: 7, signingDefault: true, legalHold: {} });
    expect(same.body).toMatchObject({ version: 2, changed: false });
  });

  it('refuses a bad policy with the fields named', async () => {
    const res = await put({
      retentionDays: -1,
      rolesAllowedToDelete: ['boss'],
      toolAccess: { mode: 'all', tools: ['http'] },
      permittedModels: [],
      colour: 'blue',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d) => d.path).sort()).toEqual([
      'body',
      'permittedModels',
      'retentionDays',
      'rolesAllowedToDelete[0]',
      'toolAccess.tools',
    ]);
  });

  it('lets only administrators change the policy', async () => {
    const editor = await api.deps.addUser('editor');
    const res = await put({ retentionDays: 1 }, editor.token);
    expect(res.status).toBe(403);
    expect(
      (await api.call<PolicyVersion>('GET', '/api/policy', undefined, { token: editor.token })).body.version,
    ).toBe(1);
  });

  it('refuses a run whose model the policy does not permit, naming the rule and the field', async () => {
    const agentId = await createAgent();
    await put({ permittedModels: ['rec/*'] });
    const refused = await api.call<ErrorResponse>('POST', `/api/agents/${agentId}/runs`, {
      variables: { customer: 'Acme' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('policy rule permittedModels');
    expect(refused.body.error.message).toContain('simulated/default');
    expect(refused.body.error.details).toEqual([
      { path: 'modelSettings.model', message: 'model "simulated/default" is not permitted by the policy' },
    ]);
    const overridden = await api.call<ErrorResponse>('POST', `/api/agents/${agentId}/runs`, {
      variables: { customer: 'Acme' },
      modelSettings: { model: 'rec/a' },
      stepOverrides: [{ step: 2, model: 'simulated/slow' }],
    });
    expect(overridden.status).toBe(403);
    expect(overridden.body.error.details.map((d) => d.path)).toEqual(['stepOverrides[0].model']);
    const allowed = await api.call<Run>('POST', `/api/agents/${agentId}/runs`, {
      variables: { customer: 'Acme' },
      modelSettings: { model: 'rec/a' },
    });
    expect(allowed.status).toBe(201);
    const runs = await api.call<{ items: Run[] }>('GET', '/api/runs');
    expect(runs.body.items.map((r) => r.id)).toEqual([allowed.body.id]);
  });

  it('refuses to rerun a run whose model a later policy no longer permits', async () => {
    const agentId = await createAgent('rec/a');
    const run = await api.call<Run>('POST', `/api/agents/${agentId}/runs`, {
      variables: { customer: 'Acme' },
    });
    await createWorker(api.deps).runOnce();
    await put({ permittedModels: ['simulated/*'] });
    const rerun = await api.call<ErrorResponse>('POST', `/api/runs/${run.body.id}/rerun`, {});
    expect(rerun.status).toBe(403);
    expect(rerun.body.error.message).toContain('permittedModels');
  });

  it('records the policy version at creation and when each attempt finished', async () => {
    const agentId = await createAgent('rec/a');
    const run = await api.call<Run>('POST', `/api/agents/${agentId}/runs`, {
      variables: { customer: 'Acme' },
    });
    expect(run.body.policyVersion).toBe(1);
    await put({ retentionDays: 3 });
    await createWorker(api.deps).runOnce();
    await put({ retentionDays: 4 });
    await api.call('POST', `/api/runs/${run.body.id}/rerun`, {});
    const before = await api.call<{ items: Attempt[] }>('GET', `/api/runs/${run.body.id}/attempts`);
    expect(before.body.items.map((a) => [a.number, a.policyVersionAtFinish])).toEqual([
      [2, null],
      [1, 2],
    ]);
    await createWorker(api.deps).runOnce();
    const after = await api.call<{ items: Attempt[] }>('GET', `/api/runs/${run.body.id}/attempts`);
    expect(after.body.items.map((a) => [a.number, a.status, a.policyVersionAtFinish])).toEqual([
      [2, 'completed', 3],
      [1, 'completed', 2],
    ]);
    expect((await api.call<Run>('GET', `/api/runs/${run.body.id}`)).body.policyVersion).toBe(1);
  });

  it('records the policy version when a canceled attempt finished', async () => {
    const agentId = await createAgent('rec/a');
    const run = await api.call<Run>('POST', `/api/agents/${agentId}/runs`, {
      variables: { customer: 'Acme' },
    });
    await put({ retentionDays: 9 });
    await api.call('POST', `/api/runs/${run.body.id}/cancel`);
    const attempts = await api.call<{ items: Attempt[] }>('GET', `/api/runs/${run.body.id}/attempts`);
    expect(attempts.body.items.map((a) => [a.status, a.policyVersionAtFinish])).toEqual([['canceled', 2]]);
  });

  it('puts the mandatory AI instructions before every model call, from the change on', async () => {
    const agentId = await createAgent('rec/a');
    await api.call('PATCH', `/api/agents/${agentId}`, {
      steps: [
        { name: 'One', prompt: 'first', system: 'You write reports.' },
        { name: 'Two', prompt: 'second' },
      ],
    });
    await api.call('POST', `/api/agents/${agentId}/runs`, { variables: { customer: 'A' } });
    await createWorker(api.deps).runOnce();
    expect(recording.calls.map((c) => c.system)).toEqual(['You write reports.', undefined]);
    await put({ mandatoryInstructions: 'Never reveal customer account numbers.' });
    await api.call('POST', `/api/agents/${agentId}/runs`, { variables: { customer: 'B' } });
    await createWorker(api.deps).runOnce();
    expect(recording.calls.slice(2).map((c) => c.system)).toEqual([
      'Never reveal customer account numbers.\n\nYou write reports.',
      'Never reveal customer account numbers.',
    ]);
  });
});
