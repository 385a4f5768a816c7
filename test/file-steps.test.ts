import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentView } from '../src/agents/agent-service.ts';
import { createWorker } from '../src/engine/worker.ts';
import { createThreadRenderer } from '../src/files/file-renderer.ts';
import { generateFile } from '../src/files/generate-file.ts';
import { createApiToken } from '../src/identity/api-tokens.ts';
import type { RunDetails } from '../src/runs/run-view.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { storeKinds } from './support/test-deps.ts';

const sheetStep = {
  name: 'Sheet',
  prompt: 'Stock\n| Item | Count |\n| Bolts | 40 |\n| Nuts | 12 |',
  output: { format: 'file', kind: 'spreadsheet' },
};

const agentWith = (steps: unknown[], model = 'simulated/default') => ({
  name: 'Files',
  modelSettings: { model },
  steps,
});

describe.each(storeKinds)('file steps on %s', (kind) => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await createApiHarness(kind);
  });
  afterEach(async () => {
    await api.close();
  });

  const runAgent = async (agent: unknown, runInput: Record<string, unknown> = {}) => {
    const created = await api.call<AgentView>('POST', '/api/agents', agent);
    expect(created.status).toBe(201);
    const run = await api.call<RunDetails>('POST', `/api/agents/${created.body.id}/runs`, runInput);
    await createWorker(api.deps).runOnce();
    return (await api.call<RunDetails>('GET', `/api/runs/${run.body.id}`)).body;
  };

  it('refuses an agent whose file step runs on a model without structured output, with the reason', async () => {
    const response = await api.call<ErrorResponse>(
      'POST',
      '/api/agents',
      agentWith([{ name: 'Intro', prompt: 'Hello' }, sheetStep], 'simulated/text-only'),
    );
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([
      {
        path: 'modelSettings.model',
        message:
          'step 2 (Sheet) generates a spreadsheet file, which needs structured output: model "simulated/text-only" does not support structured output',
      },
    ]);
  });

  it('refuses a file step whose own model or output limit cannot generate a file', async () => {
    const response = await api.call<ErrorResponse>(
      'POST',
      '/api/agents',
      agentWith([
        { ...sheetStep, modelSettings: { model: 'openai/gpt-3.5-turbo' } },
        { ...sheetStep, name: 'Small', modelSettings: { maxOutputTokens: 200 } },
      ]),
    );
    expect(response.status).toBe(400);
    expect(response.body.error.details.map((d) => d.path)).toEqual([
      'steps[0].modelSettings.model',
      'steps[1].modelSettings.maxOutputTokens',
    ]);
    expect(response.body.error.details[1]?.message).toContain('at least 1024 output tokens, not 200');
  });

  it('refuses an unknown file kind or output format, naming the field', async () => {
    const badKind = await api.call<ErrorResponse>(
      'POST',
      '/api/agents',
      agentWith([{ ...sheetStep, output: { format: 'file', kind: 'video' } }]),
    );
    expect(badKind.status).toBe(400);
    expect(badKind.body.error.details[0]?.path).toBe('steps[0].output.kind');
    const badFormat = await api.call<ErrorResponse>(
      'POST',
      '/api/agents',
      agentWith([{ ...sheetStep, output: { format: 'xml' } }]),
    );
    expect(badFormat.status).toBe(400);
    expect(badFormat.body.error.details[0]).toEqual({
      path: 'steps[0].output.format',
      message: 'must be text, json or file',
    });
  });

  it('fails the step when the answer breaks the spec schema, naming what broke', async () => {
    const run = await runAgent(
      agentWith([sheetStep, { name: 'After', prompt: 'Next' }], 'simulated/bad-file-spec'),
    );
    expect(run.status).toBe('failed');
    expect(run.steps[0]?.status).toBe('failed');
    expect(run.steps[0]?.error).toBe(
      "the model's spreadsheet spec breaks the schema at sheets[0].name: must not contain [ ] : * ? / or \\",
    );
    expect(run.error).toContain('step 1 (Sheet)');
    expect(run.steps[1]?.status).toBe('pending');
    expect(run.files).toEqual([]);
  });

  it('fails a file step whose run overrides the model with one that cannot fill a schema', async () => {
    const run = await runAgent(agentWith([sheetStep]), { modelSettings: { model: 'simulated/text-only' } });
    expect(run.status).toBe('failed');
    expect(run.steps[0]?.error).toBe(
      'this step generates a spreadsheet file, which needs structured output: model "simulated/text-only" does not support structured output',
    );
  });

  it("keeps a reused step's file when the run is rerun from a later step", async () => {
    const first = await runAgent(agentWith([sheetStep, { name: 'Note', prompt: 'Done' }]));
    const [file] = first.files;
    expect(file?.kind).toBe('spreadsheet');
    const rerun = await api.call<RunDetails>('POST', `/api/runs/${first.id}/rerun`, { fromStep: 2 });
    expect(rerun.status).toBe(200);
    await createWorker(api.deps).runOnce();
    const run = (await api.call<RunDetails>('GET', `/api/runs/${first.id}`)).body;
    expect(run.attempt).toBe(2);
    expect(run.steps[0]?.reused).toBe(true);
    expect(run.files).toEqual(first.files);
    expect((await api.call('GET', file?.url ?? '')).status).toBe(200);
  });

  it('lets every role that reads runs download, and nobody else', async () => {
    const run = await runAgent(agentWith([sheetStep]));
    const url = run.files[0]?.url ?? '';
    const viewer = await api.deps.addUser('viewer');
    expect((await api.call('GET', url, undefined, { token: viewer.token })).status).toBe(200);
    expect((await api.call('GET', url, undefined, { token: null })).status).toBe(401);
    expect((await api.call('GET', '/api/files/fil_01NOSUCHFILE0000000000000')).status).toBe(404);

    // Another organization's administrator learns nothing, not even that the file exists.
    const now = api.deps.clock.now();
    await api.deps.store.db
      .insertInto('organizations')
      .values({ id: 'org_other', name: 'Other', credit_rate: 1, created_at: now })
      .execute();
    await api.deps.store.db
      .insertInto('users')
      .values({
        id: 'usr_other',
        org_id: 'org_other',
        email: 'admin@other.example',
        name: 'Other admin',
        role: 'admin',
        password_hash: null,
        created_at: now,
      })
      .execute();
    const other = await createApiToken(api.deps, 'admin@other.example');
    const foreign = await api.call<ErrorResponse>('GET', url, undefined, { token: other.token });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('not_found');
    expect((await api.call('GET', `${url}/preview`, undefined, { token: other.token })).status).toBe(404);
  });

  it('never serves a file whose step result did not commit (a holder that lost its lease)', async () => {
    const run = await runAgent(agentWith([sheetStep]));
    const attempt = await api.deps.store.db
      .selectFrom('attempts')
      .select(['id', 'lease_generation'])
      .where('run_id', '=', run.id)
      .executeTakeFirstOrThrow();
    // What a worker that lost its lease leaves: a rendered, stored file, and no result that lists it.
    const renderer = createThreadRenderer();
    const orphan = await generateFile(
      { ...api.deps, renderer },
      {
        orgId: api.deps.admin.orgId,
        runId: run.id,
        attemptId: attempt.id,
        leaseGeneration: attempt.lease_generation - 1,
        stepNumber: 1,
        stepKey: 'sheet',
        kind: 'spreadsheet',
        fileName: undefined,
        answer: run.steps[0]?.output ?? '',
      },
    );
    await renderer.close();
    expect(orphan.id).not.toBe(run.files[0]?.id);
    expect((await api.call('GET', `/api/files/${orphan.id}`)).status).toBe(404);
    expect((await api.call<RunDetails>('GET', `/api/runs/${run.id}`)).body.files).toEqual(run.files);
  });

  it("forgets a deleted run's files", async () => {
    const run = await runAgent(agentWith([sheetStep]));
    const url = run.files[0]?.url ?? '';
    expect((await api.call('DELETE', `/api/runs/${run.id}`)).status).toBe(204);
    expect((await api.call('GET', url)).status).toBe(404);
    const rows = await api.deps.store.db
      .selectFrom('files')
      .select('id')
      .where('run_id', '=', run.id)
      .execute();
    expect(rows).toEqual([]);
  });
});
