import { Cron } from 'croner';
import type { Kysely } from 'kysely';
import type { Deps } from '../deps.ts';
import type { Actor } from '../identity/actor.ts';
import { isRole } from '../identity/actor.ts';
import { ConflictError, messageOf } from '../platform/errors.ts';
import { createPeriodicLoop } from '../platform/periodic-loop.ts';
import { createRun } from '../runs/create-run.ts';
import { startRun } from '../runs/run-actions.ts';
import type { Database, SchedulesTable } from '../store/schema.ts';
import { createSchedulerLeadership, type SchedulerLeadership } from './scheduler-leadership.ts';

export interface SchedulerOptions {
  /** How often the scheduler looks for due schedules. */
  tickMs?: number;
  /**
   * A fire time older than this when a tick sees it was missed (the scheduler was down), and the
   * schedule's catch-up policy decides. Two ticks' worth, so one slow tick does not count as downtime.
   */
  missedAfterMs?: number;
}

export interface TickResult {
  leader: boolean;
  /** Runs created by this tick (started or queued). */
  runIds: string[];
}

export interface Scheduler {
  /** One pass: start queued runs whose predecessor ended, then fire every due schedule. */
  tick(): Promise<TickResult>;
  /** Ticks every `tickMs` on the injected clock until `stop`. */
  start(): void;
  stop(): Promise<void>;
}

type SchedulerDeps = Pick<
  Deps,
  | 'store'
  | 'ids'
  | 'clock'
  | 'templates'
  | 'models'
  | 'bus'
  | 'logger'
  | 'pricing'
  | 'usageHistory'
  | 'config'
>;

const activeStatuses = ['new', 'enqueued', 'running'];

/**
 * Fires schedules (T1). A fire is a row keyed by (schedule, fire time), inserted in the same
 * transaction that creates its run and moves the schedule's `next_fire_at` on (only from the value
 * this tick read), so however many schedulers tick at once, each fire time makes one run.
 */
export function createScheduler(deps: SchedulerDeps, options: SchedulerOptions = {}): Scheduler {
  const tickMs = options.tickMs ?? 1000;
  const missedAfterMs = options.missedAfterMs ?? Math.max(2 * tickMs, 60_000);
  const leadership: SchedulerLeadership = createSchedulerLeadership(deps.store);
  const logger = deps.logger.child({ component: 'scheduler' });

  /** Scheduled runs are created as the user who made the schedule. */
  const actorOf = async (schedule: Pick<SchedulesTable, 'org_id' | 'created_by'>): Promise<Actor> => {
    const user = await deps.store.db
      .selectFrom('users')
      .select('role')
      .where('id', '=', schedule.created_by)
      .executeTakeFirst();
    const role = user && isRole(user.role) ? user.role : 'runner';
    return { orgId: schedule.org_id, userId: schedule.created_by, role };
  };

  const hasActiveRun = async (scheduleId: string): Promise<boolean> => {
    const row = await deps.store.db
      .selectFrom('schedule_fires')
      .innerJoin('runs', 'runs.id', 'schedule_fires.run_id')
      .select('runs.id')
      .where('schedule_fires.schedule_id', '=', scheduleId)
      .where('runs.status', 'in', activeStatuses)
      .executeTakeFirst();
    return row !== undefined;
  };

  /** Queued runs (overlap `queue`) start one at a time, oldest first, once nothing else of theirs runs. */
  const startQueued = async (): Promise<void> => {
    const queued = await deps.store.db
      .selectFrom('schedule_fires')
      .innerJoin('schedules', 'schedules.id', 'schedule_fires.schedule_id')
      .select(['schedule_fires.schedule_id', 'schedule_fires.fire_at', 'schedule_fires.run_id'])
      .select(['schedules.created_by', 'schedules.org_id'])
      .where('schedule_fires.outcome', '=', 'queued')
      .orderBy('schedule_fires.fire_at')
      .execute();
    const seen = new Set<string>();
    for (const fire of queued) {
      if (seen.has(fire.schedule_id) || fire.run_id === null) continue;
      seen.add(fire.schedule_id);
      const running = await deps.store.db
        .selectFrom('schedule_fires')
        .innerJoin('runs', 'runs.id', 'schedule_fires.run_id')
        .select('runs.id')
        .where('schedule_fires.schedule_id', '=', fire.schedule_id)
        .where('runs.status', 'in', ['enqueued', 'running'])
        .executeTakeFirst();
      if (running) continue;
      const actor = await actorOf(fire);
      try {
        await startRun(deps, actor, fire.run_id);
      } catch (error) {
        // Started or canceled by hand meanwhile: it no longer waits on the schedule either way.
        if (!(error instanceof ConflictError)) throw error;
      }
      await deps.store.db
        .updateTable('schedule_fires')
        .set({ outcome: 'started' })
        .where('schedule_id', '=', fire.schedule_id)
        .where('fire_at', '=', fire.fire_at)
        .execute();
    }
  };

  const fire = async (schedule: SchedulesTable, now: number): Promise<string | undefined> => {
    const due = schedule.next_fire_at;
    if (due === null) return undefined;
    const cron = new Cron(schedule.cron, { timezone: schedule.timezone, paused: true });
    // The latest fire time not after now; the ones before it were missed.
    let latest = due;
    for (let i = 0; i < 100_000; i++) {
      const after = cron.nextRun(new Date(latest))?.getTime();
      if (after === undefined || after > now) break;
      latest = after;
    }
    const next = cron.nextRun(new Date(Math.max(latest, now)))?.getTime() ?? null;
    const missed = now - latest > missedAfterMs;
    const advance = async (trx: Kysely<Database>) => {
      const moved = await trx
        .updateTable('schedules')
        .set({ next_fire_at: next })
        .where('id', '=', schedule.id)
        .where('next_fire_at', '=', due)
        .executeTakeFirst();
      // Another scheduler fired this one first: roll back, create nothing.
      if (Number(moved.numUpdatedRows) === 0)
        throw new ConflictError(`schedule ${schedule.id} already fired`);
    };
    const skip = async (reason: string) => {
      try {
        await deps.store.transaction(async (trx) => {
          await advance(trx);
          await trx
            .insertInto('schedule_fires')
            .values({
              schedule_id: schedule.id,
              fire_at: latest,
              org_id: schedule.org_id,
              outcome: 'skipped',
              run_id: null,
              created_at: now,
            })
            .execute();
        });
        logger.info({ scheduleId: schedule.id, fireAt: new Date(latest).toISOString() }, reason);
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
      return undefined;
    };
    if (missed && schedule.catch_up === 'skip') return skip('missed fire time skipped (catch-up: skip)');
    const active = await hasActiveRun(schedule.id);
    if (active && schedule.overlap === 'skip') return skip('previous run still going (overlap: skip)');
    const outcome = active ? 'queued' : 'started';
    const actor = await actorOf(schedule);
    try {
      const run = await createRun(
        deps,
        actor,
        schedule.agent_id,
        {
          variables: JSON.parse(schedule.variables) as Record<string, unknown>,
          start: outcome === 'started',
        },
        { kind: 'schedule', by: schedule.id },
        {
          within: async (trx, runId) => {
            await advance(trx);
            await trx
              .insertInto('schedule_fires')
              .values({
                schedule_id: schedule.id,
                fire_at: latest,
                org_id: schedule.org_id,
                outcome,
                run_id: runId,
                created_at: now,
              })
              .execute();
          },
        },
      );
      return run.id;
    } catch (error) {
      if (error instanceof ConflictError) return undefined;
      // The agent was archived or its variables changed: the fire is recorded as skipped, not retried forever.
      logger.warn({ err: error, scheduleId: schedule.id }, 'scheduled run not created');
      return skip(`scheduled run not created: ${messageOf(error)}`);
    }
  };

  const tick = async (): Promise<TickResult> => {
    if (!(await leadership.acquire())) return { leader: false, runIds: [] };
    await startQueued();
    const now = deps.clock.now();
    const due = await deps.store.db
      .selectFrom('schedules')
      .selectAll()
      .where('enabled', '=', 1)
      .where('next_fire_at', '<=', now)
      .orderBy('next_fire_at')
      .limit(500)
      .execute();
    const runIds: string[] = [];
    for (const schedule of due) {
      const runId = await fire(schedule, now);
      if (runId) runIds.push(runId);
    }
    return { leader: true, runIds };
  };

  const loop = createPeriodicLoop(
    { clock: deps.clock, logger },
    { intervalMs: tickMs, failureMessage: 'scheduler tick failed; trying again next tick', pass: tick },
  );
  return {
    tick,
    start: loop.start,
    async stop() {
      await loop.stop();
      await leadership.release();
    },
  };
}
