import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent } from '../src/agents/agent-service.ts';
import { createManualClock, type ManualClock } from '../src/platform/clock.ts';
import { getRunOrThrow } from '../src/runs/get-run.ts';
import { cancelRun } from '../src/runs/run-actions.ts';
import { createScheduler as newScheduler, type Scheduler } from '../src/triggers/scheduler.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { reportAgent, storeKinds } from './support/test-deps.ts';

interface ScheduleBody {
  id: string;
  enabled: boolean;
  nextFireTimes: string[];
}

const at = (iso: string) => Date.parse(iso);

describe.each(storeKinds)('schedules on %s', (kind) => {
  let api: ApiHarness;
  let clock: ManualClock;
  let agentId: string;
  beforeEach(async () => {
    // Friday before Europe's spring-forward night (2026-03-29, 01:00 UTC).
    clock = createManualClock(at('2026-03-27T12:00:00Z'));
    api = await createApiHarness(kind, { clock });
    agentId = (await createAgent(api.deps, api.deps.admin, reportAgent)).id;
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop()));
    await api.close();
  });
  // A leading scheduler holds a connection (its advisory lock) until stopped.
  const started: Scheduler[] = [];
  const createScheduler = (...args: Parameters<typeof newScheduler>) => {
    const scheduler = newScheduler(...args);
    started.push(scheduler);
    return scheduler;
  };

  const schedule = (body: Record<string, unknown>) =>
    api.call<ScheduleBody>('POST', `/api/agents/${agentId}/schedules`, {
      cron: '0 9 * * *',
      timezone: 'Europe/Berlin',
      variables: { customer: 'Acme' },
      ...body,
    });
  const runsOf = async () =>
    (
      await api.deps.store.db
        .selectFrom('runs')
        .select(['id', 'status', 'trigger', 'variables'])
        .orderBy('id')
        .execute()
    ).map((r) => ({ ...r, trigger: JSON.parse(r.trigger) as { kind: string; by: string } }));

  it('shows the next five fire times across a daylight-saving change in the time zone', async () => {
    const created = await schedule({});
    expect(created.status).toBe(201);
    // 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC from March 29 on.
    expect(created.body.nextFireTimes).toEqual([
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
      '2026-03-31T07:00:00.000Z',
      '2026-04-01T07:00:00.000Z',
    ]);
    const list = await api.call<{ items: ScheduleBody[] }>('GET', `/api/agents/${agentId}/schedules`);
    expect(list.body.items.map((s) => s.id)).toEqual([created.body.id]);
  });

  it('refuses a bad cron expression, time zone or variable with a 400 naming the field', async () => {
    const badCron = await api.call<ErrorResponse>('POST', `/api/agents/${agentId}/schedules`, {
      cron: '61 * * * *',
      variables: { customer: 'Acme' },
    });
    expect(badCron.status).toBe(400);
    expect(badCron.body.error.details[0]?.path).toBe('cron');
    const badZone = await schedule({ timezone: 'Mars/Olympus' });
    expect(badZone.status).toBe(400);
    expect(badZone.body).toMatchObject({ error: { details: [{ path: 'timezone' }] } });
    const missing = await schedule({ variables: {} });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: { details: [{ path: 'variables.customer' }] } });
    const unknown = await schedule({ variables: { customer: 'Acme', region: 'EU' } });
    expect(unknown.body).toMatchObject({ error: { details: [{ path: 'variables.region' }] } });
    const badPolicy = await schedule({ overlap: 'sometimes' });
    expect(badPolicy.body).toMatchObject({ error: { details: [{ path: 'overlap' }] } });
    expect(await runsOf()).toEqual([]);
  });

  it('fires at 09:00 Berlin time before and after the clock change, once per fire time', async () => {
    const created = await schedule({});
    const scheduler = createScheduler(api.deps);
    expect((await scheduler.tick()).runIds).toEqual([]);
    clock.set(at('2026-03-28T08:00:00Z'));
    const first = await scheduler.tick();
    expect(first.runIds).toHaveLength(1);
    expect((await scheduler.tick()).runIds).toEqual([]);
    const run = await getRunOrThrow(api.deps, api.deps.admin, first.runIds[0] ?? '');
    expect(run.trigger).toEqual({ kind: 'schedule', by: created.body.id });
    expect(run.variables.find((v) => v.name === 'customer')?.value).toBe('Acme');
    await cancelRun(api.deps, api.deps.admin, run.id);

    clock.set(at('2026-03-29T06:59:59Z'));
    expect((await scheduler.tick()).runIds).toEqual([]);
    clock.set(at('2026-03-29T07:00:00Z'));
    expect((await scheduler.tick()).runIds).toHaveLength(1);
    expect(await runsOf()).toHaveLength(2);
  });

  it('several schedulers ticking at once create exactly one run per fire time', async () => {
    await schedule({});
    const schedulers = [1, 2, 3, 4].map(() => createScheduler(api.deps));
    try {
      for (const time of ['2026-03-28T08:00:00Z', '2026-03-29T07:00:00Z', '2026-03-30T07:00:00Z']) {
        clock.set(at(time));
        const results = await Promise.all(schedulers.map((s) => s.tick()));
        expect(results.flatMap((r) => r.runIds)).toHaveLength(1);
        if (kind === 'postgres') expect(results.filter((r) => r.leader)).toHaveLength(1);
        for (const { id, status } of await runsOf())
          if (status === 'enqueued') await cancelRun(api.deps, api.deps.admin, id);
      }
      expect(await runsOf()).toHaveLength(3);
      const fires = await api.deps.store.db.selectFrom('schedule_fires').selectAll().execute();
      expect(fires.map((f) => f.outcome)).toEqual(['started', 'started', 'started']);
    } finally {
      await Promise.all(schedulers.map((s) => s.stop()));
    }
  });

  if (kind === 'postgres') {
    it('hands the lead to another scheduler when the leader stops', async () => {
      const a = createScheduler(api.deps);
      const b = createScheduler(api.deps);
      expect((await a.tick()).leader).toBe(true);
      expect((await b.tick()).leader).toBe(false);
      await a.stop();
      expect((await b.tick()).leader).toBe(true);
      await b.stop();
    });
  }

  it('skips a fire time while the previous run is going when overlap is skip', async () => {
    await schedule({ overlap: 'skip' });
    const scheduler = createScheduler(api.deps);
    clock.set(at('2026-03-28T08:00:00Z'));
    await scheduler.tick();
    clock.set(at('2026-03-29T07:00:00Z'));
    expect((await scheduler.tick()).runIds).toEqual([]);
    const fires = await api.deps.store.db.selectFrom('schedule_fires').select('outcome').execute();
    expect(fires.map((f) => f.outcome).sort()).toEqual(['skipped', 'started']);
    expect(await runsOf()).toHaveLength(1);
  });

  it('queues a fire time while the previous run is going and starts it after, when overlap is queue', async () => {
    await schedule({ overlap: 'queue' });
    const scheduler = createScheduler(api.deps);
    clock.set(at('2026-03-28T08:00:00Z'));
    const [firstId] = (await scheduler.tick()).runIds;
    clock.set(at('2026-03-29T07:00:00Z'));
    const [queuedId] = (await scheduler.tick()).runIds;
    expect((await getRunOrThrow(api.deps, api.deps.admin, queuedId ?? '')).status).toBe('new');
    await scheduler.tick();
    expect((await getRunOrThrow(api.deps, api.deps.admin, queuedId ?? '')).status).toBe('new');
    await cancelRun(api.deps, api.deps.admin, firstId ?? '');
    await scheduler.tick();
    expect((await getRunOrThrow(api.deps, api.deps.admin, queuedId ?? '')).status).toBe('enqueued');
  });

  it('after downtime skips the missed fire times (catch-up skip) or runs once for them (catch-up once)', async () => {
    const skipping = await schedule({ catchUp: 'skip', name: 'skip' });
    const once = await schedule({ catchUp: 'once', name: 'once', overlap: 'queue' });
    const scheduler = createScheduler(api.deps);
    // Down from Friday until Tuesday noon: four fire times missed.
    clock.set(at('2026-03-31T12:00:00Z'));
    const { runIds } = await scheduler.tick();
    expect(runIds).toHaveLength(1);
    const runs = await runsOf();
    expect(runs.map((r) => r.trigger.by)).toEqual([once.body.id]);
    const after = await api.call<{ items: ScheduleBody[] }>('GET', `/api/agents/${agentId}/schedules`);
    for (const s of after.body.items) expect(s.nextFireTimes[0]).toBe('2026-04-01T07:00:00.000Z');
    expect(skipping.status).toBe(201);
    expect((await scheduler.tick()).runIds).toEqual([]);
  });

  it('does not fire while disabled, and counts nothing as missed when enabled again', async () => {
    const created = await schedule({});
    const url = `/api/agents/${agentId}/schedules/${created.body.id}`;
    const off = await api.call<ScheduleBody>('PATCH', url, { enabled: false });
    expect(off.body).toMatchObject({ enabled: false, nextFireTimes: [] });
    const scheduler = createScheduler(api.deps);
    clock.set(at('2026-03-30T12:00:00Z'));
    expect((await scheduler.tick()).runIds).toEqual([]);
    const on = await api.call<ScheduleBody>('PATCH', url, { enabled: true });
    expect(on.body.nextFireTimes[0]).toBe('2026-03-31T07:00:00.000Z');
    expect((await scheduler.tick()).runIds).toEqual([]);
    const badPatch = await api.call<ErrorResponse>('PATCH', url, { cron: 'every day' });
    expect(badPatch.status).toBe(400);
    expect(badPatch.body.error.details[0]?.path).toBe('cron');
    expect((await api.call('DELETE', url)).status).toBe(204);
    expect((await api.call('GET', url)).status).toBe(404);
  });
});
