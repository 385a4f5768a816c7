import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Deps } from '../src/deps.ts';
import { createWorker } from '../src/engine/worker.ts';
import { createManualClock, type ManualClock } from '../src/platform/clock.ts';
import type { RunDetails } from '../src/runs/run-view.ts';
import type { DocumentView, SiteDetails } from '../src/sites/site-view.ts';
import { openStore, type Store } from '../src/store/open-store.ts';
import { createUploadRuns, type UploadRuns } from '../src/triggers/upload-runs.ts';
import { type ApiHarness, createApiHarness } from './support/api-harness.ts';
import { POSTGRES_URL } from './support/environment.ts';
import { createProbeProvider } from './support/probe-provider.ts';
import { extractAll, uploadViaApi } from './support/sites.ts';
import { storeKinds } from './support/test-deps.ts';

const reviewAgent = {
  name: 'Contract review',
  variables: [{ name: 'contract', type: 'file', required: true }],
  modelSettings: { model: 'probe/default' },
  steps: [
    {
      name: 'Review',
      prompt: 'Review {{ vars.contract }} against:\n{{ sources }}',
      sources: { query: 'termination notice' },
    },
  ],
};

const contract = 'Either party may end this agreement with a termination notice of ninety days.';

describe.each(storeKinds)('upload triggers on %s', (kind) => {
  let api: ApiHarness;
  let clock: ManualClock;
  let probe: ReturnType<typeof createProbeProvider>;
  let agentId: string;
  let siteId: string;
  const stores: Store[] = [];
  const loops: UploadRuns[] = [];

  beforeEach(async () => {
    clock = createManualClock(Date.parse('2026-11-26T08:00:00Z'));
    probe = createProbeProvider();
    api = await createApiHarness(kind, { clock, providers: () => [probe.provider] });
    const agent = await api.call<{ id: string }>('POST', '/api/agents', reviewAgent);
    expect(agent.status).toBe(201);
    agentId = agent.body.id;
    const site = await api.call<SiteDetails>('POST', '/api/sites', {
      name: 'Contracts',
      uploadAgentId: agentId,
    });
    expect(site.status).toBe(201);
    siteId = site.body.id;
  });
  afterEach(async () => {
    for (const loop of loops.splice(0)) await loop.stop();
    for (const store of stores.splice(0)) await store.close();
    await api.close();
  });

  /** Another process on the same database: its own connection, its own upload-run loop. */
  const otherProcess = async (): Promise<UploadRuns> => {
    const store =
      kind === 'sqlite'
        ? await openStore({ sqlitePath: path.join(api.deps.config.dataDir, 'agentruns.db') })
        : await openStore({
            databaseUrl: POSTGRES_URL,
            pgSchema: (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(api.deps.store.db))
              .rows[0]?.s as string,
            poolSize: 2,
          });
    stores.push(store);
    const deps: Deps = { ...api.deps, store };
    return createUploadRuns(deps);
  };

  const uploadRunsOf = async () =>
    api.deps.store.db.selectFrom('runs').selectAll().where('trigger_kind', '=', 'upload').execute();

  const upload = async (name = 'acme.txt', content = contract) => {
    const res = await uploadViaApi(api, siteId, name, content);
    expect(res.status).toBe(201);
    return res.body;
  };

  const documentOf = async (documentId: string) =>
    (await api.call<DocumentView>('GET', `/api/sites/${siteId}/documents/${documentId}`)).body;

  it('starts one run of the agent per upload, with the document as variable and source context', async () => {
    const uploaded = await upload();
    const uploadRuns = createUploadRuns(api.deps);
    // Nothing starts before the text is extracted: the run would have no source context yet.
    expect(await uploadRuns.runOnce()).toBe(0);
    expect(await uploadRunsOf()).toHaveLength(0);
    await extractAll(api);
    expect(await uploadRuns.runOnce()).toBe(1);
    expect(await uploadRuns.runOnce()).toBe(0);
    const runs = await uploadRunsOf();
    expect(runs).toHaveLength(1);

    const run = (await api.call<RunDetails>('GET', `/api/runs/${runs[0]?.id}`)).body;
    const reference = `/api/sites/${siteId}/documents/${uploaded.id}?version=1`;
    expect(run).toMatchObject({
      agentId,
      name: 'Contract review — acme.txt',
      status: 'enqueued',
      trigger: {
        kind: 'upload',
        by: uploaded.versionId,
        upload: { siteId, documentId: uploaded.id, version: 1, name: 'acme.txt' },
      },
      siteIds: [siteId],
    });
    expect(run.variables).toEqual([{ name: 'contract', value: reference, source: 'override' }]);
    const document = await documentOf(uploaded.id);
    expect(document.versions[0]?.uploadRun).toEqual({
      agentId,
      status: 'started',
      runId: run.id,
      error: null,
    });

    // The run reads the document: its prompt quotes the variable and the uploaded text as a source.
    await createWorker(api.deps).runOnce();
    const prompt = probe.calls.find((c) => c.step === 1)?.prompt ?? '';
    expect(prompt).toContain(`Review ${reference} against:`);
    expect(prompt).toContain(`[1] acme.txt (version 1, chunk 1)\n${contract}`);

    // Audited: the run's creation names the upload that caused it.
    const audit = await api.deps.store.db
      .selectFrom('audit_events')
      .select(['action', 'details'])
      .where('target', '=', run.id)
      .execute();
    expect(audit.map((a) => a.action)).toContain('run.created');
    expect(JSON.parse(audit.find((a) => a.action === 'run.created')?.details ?? '{}').trigger).toMatchObject({
      kind: 'upload',
      by: uploaded.versionId,
    });

    // Re-uploading the same bytes is no new upload; changed bytes are a new version and a new run.
    await upload();
    await upload('acme.txt', `${contract} Amended.`);
    await extractAll(api);
    expect(await uploadRuns.runOnce()).toBe(1);
    expect(await uploadRunsOf()).toHaveLength(2);
  });

  it('starts one run across a restart and across processes racing for the upload', async () => {
    await upload();
    await extractAll(api);
    // A process claimed the upload and died before it created the run (what claim() leaves behind).
    await api.deps.store.db
      .updateTable('upload_triggers')
      .set({ claimed_until: clock.now() + 60_000, tries: 1 })
      .execute();
    const restarted = await otherProcess();
    expect(await restarted.runOnce()).toBe(0);
    expect(await uploadRunsOf()).toHaveLength(0);
    clock.advance(60_001);
    expect(await restarted.runOnce()).toBe(1);
    expect(await uploadRunsOf()).toHaveLength(1);
    // Restarted again after the run was written: nothing is owed.
    expect(await (await otherProcess()).runOnce()).toBe(0);
    expect(await createUploadRuns(api.deps).runOnce()).toBe(0);

    // Two processes at once, on a second upload: one run between them.
    await upload('globex.txt', 'Globex may end the agreement with a termination notice of thirty days.');
    await extractAll(api);
    // SQLite serves one process (better-sqlite3 waits for a lock synchronously, so two connections
    // in one thread would wait on each other): there the racers share the store, as its loops do.
    const a = kind === 'postgres' ? await otherProcess() : createUploadRuns(api.deps);
    const b = createUploadRuns(api.deps);
    const settled = await Promise.all([a.runOnce(), b.runOnce(), a.runOnce()]);
    expect(settled.reduce((x, y) => x + y, 0)).toBe(1);
    expect(await uploadRunsOf()).toHaveLength(2);
  });

  it('starts in the background loop of serve and worker processes', async () => {
    await upload();
    await extractAll(api);
    const loop = createUploadRuns(api.deps, { intervalMs: 1000 });
    loops.push(loop);
    loop.start();
    for (let i = 0; i < 200 && (await uploadRunsOf()).length === 0; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(await uploadRunsOf()).toHaveLength(1);
  });

  it('records why no run started when the agent is archived, the policy forbids it or extraction failed', async () => {
    const uploadRuns = createUploadRuns(api.deps);
    const failedOf = async (documentId: string) => (await documentOf(documentId)).versions[0]?.uploadRun;

    // The agent was archived (deleted) after the Site named it.
    expect((await api.call('DELETE', `/api/agents/${agentId}`)).status).toBe(200);
    const first = await upload('one.txt');
    await extractAll(api);
    expect(await uploadRuns.runOnce()).toBe(1);
    expect(await failedOf(first.id)).toMatchObject({ status: 'failed', runId: null });
    expect((await failedOf(first.id))?.error).toMatch(/not started: agent agt_\w+ is archived/);
    expect((await api.call('PATCH', `/api/agents/${agentId}`, { archived: false })).status).toBe(200);

    // The policy does not permit the agent's model.
    const policy = await api.call('PUT', '/api/policy', { permittedModels: ['simulated/*'] });
    expect(policy.status).toBe(200);
    const second = await upload('two.txt');
    await extractAll(api);
    await uploadRuns.runOnce();
    expect((await failedOf(second.id))?.error).toMatch(
      /not started: refused by policy rule permittedModels: .*probe\/default/,
    );

    // The document has no text: there is nothing to run on.
    const third = await upload('blank.txt', '   \n  ');
    await extractAll(api);
    await uploadRuns.runOnce();
    expect((await failedOf(third.id))?.error).toMatch(
      /could not be extracted \(the document contains no text\)/,
    );

    expect(await uploadRunsOf()).toHaveLength(0);
    const audit = await api.deps.store.db
      .selectFrom('audit_events')
      .select(['target', 'details'])
      .where('action', '=', 'upload_trigger.failed')
      .execute();
    expect(audit.map((a) => a.target).sort()).toEqual(
      [first.versionId, second.versionId, third.versionId].sort(),
    );
    // A failure is recorded once: later passes find nothing owed.
    expect(await uploadRuns.runOnce()).toBe(0);
  });
});
