import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorker } from '../src/engine/worker.ts';
import { createManualClock, type ManualClock } from '../src/platform/clock.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { reportAgent, storeKinds } from './support/test-deps.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

interface BulkResult {
  results: Array<{
    id: string;
    ok: boolean;
    status?: string;
    error?: { code: string; status: number; message: string };
  }>;
}

describe.each(storeKinds)('deleting runs under the policy on %s', (kind) => {
  let api: ApiHarness;
  let clock: ManualClock;
  let agentId: string;
  beforeEach(async () => {
    clock = createManualClock(Date.now());
    api = await createApiHarness(kind, { clock });
    agentId = (await api.call<{ id: string }>('POST', '/api/agents', reportAgent)).body.id;
  });
  afterEach(async () => {
    await api.close();
  });

  const newRun = async (agent = agentId) =>
    (
      await api.call<{ id: string }>('POST', `/api/agents/${agent}/runs`, {
        variables: { customer: 'Acme' },
        start: false,
      })
    ).body.id;
  const setPolicy = (policy: unknown) => api.call('PUT', '/api/policy', policy);
  const del = (id: string, token?: string) =>
    api.call<ErrorResponse>('DELETE', `/api/runs/${id}`, undefined, token ? { token } : {});
  const exists = async (id: string) => (await api.call('GET', `/api/runs/${id}`)).status === 200;

  it('deletes a run when the default policy permits it, and records who and under which policy', async () => {
    const id = await newRun();
    expect((await del(id)).status).toBe(204);
    expect(await exists(id)).toBe(false);
    const audit = await api.deps.store.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'run.deleted')
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor: api.deps.admin.userId, target: id });
    expect(JSON.parse(audit.details)).toMatchObject({ policyVersion: 1 });
  });

  it('refuses while the retention period has not elapsed, naming the rule, then deletes after it', async () => {
    const id = await newRun();
    await setPolicy({ retentionDays: 30, deletionPrevention: true });
    const refused = await del(id);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('policy rule retentionDays');
    expect(refused.body.error.message).toContain('30 days has not elapsed');
    expect(await exists(id)).toBe(true);
    clock.advance(30 * DAY_MS - 1);
    expect((await del(id)).status).toBe(403);
    clock.advance(1);
    expect((await del(id)).status).toBe(204);
  });

  it('treats retention without deletion prevention as not enforced', async () => {
    const id = await newRun();
    await setPolicy({ retentionDays: 30, deletionPrevention: false });
    expect((await del(id)).status).toBe(204);
  });

  it('refuses under a legal hold, for every run or only the held agents', async () => {
    const other = (await api.call<{ id: string }>('POST', '/api/agents', { ...reportAgent, name: 'Other' }))
      .body.id;
    const held = await newRun();
    const free = await newRun(other);
    await setPolicy({ legalHold: { active: true, reason: 'case 42', agentIds: [agentId] } });
    const refused = await del(held);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('policy rule legalHold');
    expect(refused.body.error.message).toContain('case 42');
    expect((await del(free)).status).toBe(204);
    await setPolicy({ legalHold: { active: true } });
    expect((await del(await newRun(other))).status).toBe(403);
    await setPolicy({ legalHold: { active: false } });
    expect((await del(held)).status).toBe(204);
  });

  it('refuses a role the policy does not allow to delete, though the matrix would', async () => {
    const editor = await api.deps.addUser('editor');
    const id = await newRun();
    await setPolicy({ rolesAllowedToDelete: ['admin'] });
    const refused = await del(id, editor.token);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('policy rule rolesAllowedToDelete');
    expect(refused.body.error.message).toContain('your role (editor)');
    expect((await del(id)).status).toBe(204);
  });

  it('answers a bulk delete per id with the rule that refused each', async () => {
    const old = await newRun();
    clock.advance(10 * DAY_MS);
    const young = await newRun();
    await setPolicy({ retentionDays: 5, deletionPrevention: true });
    const res = await api.call<BulkResult>('POST', '/api/runs/bulk', {
      action: 'delete',
      ids: [old, young, 'run_missing'],
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r) => [r.id, r.ok, r.error?.status])).toEqual([
      [old, true, undefined],
      [young, false, 403],
      ['run_missing', false, 404],
    ]);
    expect(res.body.results[1]?.error?.message).toContain('retentionDays');
    expect([await exists(old), await exists(young)]).toEqual([false, true]);
  });

  it('records every refused deletion in the audit log with the rule that refused it', async () => {
    const refusals = async () =>
      (
        await api.deps.store.db
          .selectFrom('audit_events')
          .select(['actor', 'target', 'details'])
          .where('action', '=', 'run.delete_refused')
          .orderBy('id')
          .execute()
      ).map((row) => ({ actor: row.actor, target: row.target, ...JSON.parse(row.details) }));
    const editor = await api.deps.addUser('editor');
    const viewer = await api.deps.addUser('viewer');
    const id = await newRun();
    await setPolicy({ retentionDays: 30, deletionPrevention: true });
    expect((await del(id)).status).toBe(403);
    await setPolicy({ retentionDays: 0, legalHold: { active: true, reason: 'case 7' } });
    expect((await del(id)).status).toBe(403);
    await setPolicy({ legalHold: { active: false }, rolesAllowedToDelete: ['admin'] });
    expect((await del(id, editor.token)).status).toBe(403);
    // The permission matrix refuses a viewer before any policy is read: audited as well.
    expect((await del(id, viewer.token)).status).toBe(403);
    const bulk = await api.call(
      'POST',
      '/api/runs/bulk',
      { action: 'delete', ids: [id] },
      { token: viewer.token },
    );
    expect(bulk.status).toBe(403);
    const admin = api.deps.admin.userId;
    expect(await refusals()).toEqual([
      expect.objectContaining({ actor: admin, target: id, rule: 'policy.retentionDays', role: 'admin' }),
      expect.objectContaining({ actor: admin, target: id, rule: 'policy.legalHold' }),
      expect.objectContaining({
        actor: editor.actor.userId,
        target: id,
        rule: 'policy.rolesAllowedToDelete',
        role: 'editor',
      }),
      expect.objectContaining({ actor: viewer.actor.userId, target: id, rule: 'permissions.runs.delete' }),
      expect.objectContaining({
        actor: viewer.actor.userId,
        target: 'runs.bulk',
        rule: 'permissions.runs.delete',
        runIds: [id],
      }),
    ]);
    const [first] = await refusals();
    expect(first.reason).toContain('30 days has not elapsed');
    expect(first.policyVersion).toBeGreaterThan(1);
    expect(await exists(id)).toBe(true);
  });

  it("removes a deleted run's blobs unless another run still refers to them", async () => {
    const a = (
      await api.call<{ id: string }>('POST', `/api/agents/${agentId}/runs`, { variables: { customer: 'A' } })
    ).body.id;
    const b = (
      await api.call<{ id: string }>('POST', `/api/agents/${agentId}/runs`, { variables: { customer: 'B' } })
    ).body.id;
    await createWorker(api.deps).runOnce();
    const shared = await api.deps.blobs.put(
      api.deps.admin.orgId,
      new TextEncoder().encode('a file both runs made'),
    );
    const own = await api.deps.blobs.put(
      api.deps.admin.orgId,
      new TextEncoder().encode('a file only run A made'),
    );
    // Generated files (issue 06) are listed on the step result that made them.
    const attach = (runId: string, digests: string[]) =>
      api.deps.store.db
        .updateTable('step_results')
        .set({ files: JSON.stringify(digests.map((sha256) => ({ name: 'f', sha256 }))) })
        .where('run_id', '=', runId)
        .where('number', '=', 3)
        .execute();
    await attach(a, [shared.sha256, own.sha256]);
    await attach(b, [shared.sha256]);
    expect((await del(a)).status).toBe(204);
    expect(await api.deps.blobs.has(api.deps.admin.orgId, own.sha256)).toBe(false);
    expect(await api.deps.blobs.has(api.deps.admin.orgId, shared.sha256)).toBe(true);
    expect((await del(b)).status).toBe(204);
    expect(await api.deps.blobs.has(api.deps.admin.orgId, shared.sha256)).toBe(false);
  });
});
