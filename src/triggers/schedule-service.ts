import { Cron } from 'croner';
import { z } from 'zod';
import { getAgentOrThrow } from '../agents/agent-service.ts';
import type { Deps } from '../deps.ts';
import type { Actor } from '../identity/actor.ts';
import { NotFoundError, ValidationError } from '../platform/errors.ts';
import { resolveVariables } from '../runs/resolve-variables.ts';
import type { SchedulesTable } from '../store/schema.ts';

/**
 * Schedules (SPEC T1): a cron expression read in an IANA time zone (croner handles daylight-saving
 * changes), the variables each scheduled run gets, on/off, what to do when the previous run is
 * still going (`overlap`), and what to do with fire times missed while nothing was running (`catchUp`).
 */
const scheduleFields = {
  name: z.string().trim().min(1, 'must not be empty').max(200),
  cron: z.string().trim().min(1, 'must not be empty').max(200),
  timezone: z.string().max(100),
  variables: z.record(z.string(), z.unknown()),
  enabled: z.boolean(),
  /** `skip`: no run while the previous one is going; `queue`: the run waits and starts after it. */
  overlap: z.enum(['skip', 'queue']),
  /** After downtime: `skip` the missed fire times, or run `once` for them. */
  catchUp: z.enum(['skip', 'once']),
};

export const scheduleInputSchema = z.object({
  ...scheduleFields,
  name: scheduleFields.name.optional(),
  timezone: scheduleFields.timezone.default('UTC'),
  variables: scheduleFields.variables.default({}),
  enabled: scheduleFields.enabled.default(true),
  overlap: scheduleFields.overlap.default('skip'),
  catchUp: scheduleFields.catchUp.default('skip'),
});
export type ScheduleInput = z.infer<typeof scheduleInputSchema>;

/** Only the fields sent change: no defaults here, or `{ enabled: false }` would reset the rest. */
export const schedulePatchSchema = z
  .object(scheduleFields)
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'give at least one field' });
export type SchedulePatch = z.infer<typeof schedulePatchSchema>;

export interface ScheduleView {
  id: string;
  agentId: string;
  name: string;
  cron: string;
  timezone: string;
  variables: Record<string, unknown>;
  enabled: boolean;
  overlap: 'skip' | 'queue';
  catchUp: 'skip' | 'once';
  /** The next five fire times (ISO 8601, UTC); empty while disabled. */
  nextFireTimes: string[];
  createdAt: string;
  updatedAt: string;
}

type ScheduleDeps = Pick<Deps, 'store' | 'ids' | 'clock'>;

/** A croner pattern for `cron` in `timezone`; throws a ValidationError naming the field at fault. */
export function parseCronOrThrow(cron: string, timezone: string): Cron {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw ValidationError.field('timezone', `"${timezone}" is not an IANA time zone, e.g. Europe/Berlin`);
  }
  try {
    return new Cron(cron, { timezone, paused: true });
  } catch (error) {
    throw ValidationError.field('cron', `not a cron expression: ${(error as Error).message}`);
  }
}

/** The first fire time strictly after `afterMs`, or null when the pattern never fires again. */
export function nextFireAfter(cron: Cron, afterMs: number): number | null {
  return cron.nextRun(new Date(afterMs))?.getTime() ?? null;
}

export async function createSchedule(
  deps: ScheduleDeps,
  actor: Actor,
  agentId: string,
  input: ScheduleInput,
): Promise<ScheduleView> {
  const agent = await getAgentOrThrow(deps, actor, agentId);
  const cron = parseCronOrThrow(input.cron, input.timezone);
  // Validated as a run's would be, so a schedule cannot fire runs that fail on their variables.
  resolveVariables(agent.variables, input.variables);
  const now = deps.clock.now();
  const row: SchedulesTable = {
    id: deps.ids.next('sch'),
    org_id: actor.orgId,
    agent_id: agentId,
    name: input.name ?? `${agent.name} (${input.cron})`,
    cron: input.cron,
    timezone: input.timezone,
    variables: JSON.stringify(input.variables),
    enabled: input.enabled ? 1 : 0,
    overlap: input.overlap,
    catch_up: input.catchUp,
    next_fire_at: nextFireAfter(cron, now),
    created_by: actor.userId,
    created_at: now,
    updated_at: now,
  };
  await deps.store.db.insertInto('schedules').values(row).execute();
  return toScheduleView(row);
}

export async function listSchedules(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  agentId: string,
): Promise<ScheduleView[]> {
  await getAgentOrThrow(deps, actor, agentId);
  const rows = await deps.store.db
    .selectFrom('schedules')
    .selectAll()
    .where('agent_id', '=', agentId)
    .where('org_id', '=', actor.orgId)
    .orderBy('id')
    .execute();
  return rows.map(toScheduleView);
}

async function getScheduleRowOrThrow(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  agentId: string,
  scheduleId: string,
): Promise<SchedulesTable> {
  const row = await deps.store.db
    .selectFrom('schedules')
    .selectAll()
    .where('id', '=', scheduleId)
    .where('agent_id', '=', agentId)
    .where('org_id', '=', actor.orgId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('schedule', scheduleId);
  return row;
}

export async function getScheduleOrThrow(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  agentId: string,
  scheduleId: string,
): Promise<ScheduleView> {
  return toScheduleView(await getScheduleRowOrThrow(deps, actor, agentId, scheduleId));
}

/**
 * Changes a schedule. A new pattern, a new time zone or switching it on computes the next fire time
 * from now, so the time a schedule spent off is not "missed".
 */
export async function updateSchedule(
  deps: ScheduleDeps,
  actor: Actor,
  agentId: string,
  scheduleId: string,
  patch: SchedulePatch,
): Promise<ScheduleView> {
  const row = await getScheduleRowOrThrow(deps, actor, agentId, scheduleId);
  const agent = await getAgentOrThrow(deps, actor, agentId);
  const cronText = patch.cron ?? row.cron;
  const timezone = patch.timezone ?? row.timezone;
  const cron = parseCronOrThrow(cronText, timezone);
  if (patch.variables !== undefined) resolveVariables(agent.variables, patch.variables);
  const now = deps.clock.now();
  const enabled = patch.enabled ?? row.enabled === 1;
  const recompute =
    patch.cron !== undefined || patch.timezone !== undefined || (enabled && row.enabled === 0);
  const next: SchedulesTable = {
    ...row,
    name: patch.name ?? row.name,
    cron: cronText,
    timezone,
    variables: patch.variables === undefined ? row.variables : JSON.stringify(patch.variables),
    enabled: enabled ? 1 : 0,
    overlap: patch.overlap ?? row.overlap,
    catch_up: patch.catchUp ?? row.catch_up,
    next_fire_at: recompute ? nextFireAfter(cron, now) : row.next_fire_at,
    updated_at: now,
  };
  await deps.store.db.updateTable('schedules').set(next).where('id', '=', scheduleId).execute();
  return toScheduleView(next);
}

export async function deleteSchedule(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  agentId: string,
  scheduleId: string,
): Promise<void> {
  await getScheduleRowOrThrow(deps, actor, agentId, scheduleId);
  await deps.store.transaction(async (trx) => {
    await trx.deleteFrom('schedule_fires').where('schedule_id', '=', scheduleId).execute();
    await trx.deleteFrom('schedules').where('id', '=', scheduleId).execute();
  });
}

export function toScheduleView(row: SchedulesTable): ScheduleView {
  const nextFireTimes: string[] = [];
  if (row.enabled === 1 && row.next_fire_at !== null) {
    const cron = new Cron(row.cron, { timezone: row.timezone, paused: true });
    nextFireTimes.push(new Date(row.next_fire_at).toISOString());
    for (const date of cron.nextRuns(4, new Date(row.next_fire_at))) nextFireTimes.push(date.toISOString());
  }
  return {
    id: row.id,
    agentId: row.agent_id,
    name: row.name,
    cron: row.cron,
    timezone: row.timezone,
    variables: JSON.parse(row.variables) as Record<string, unknown>,
    enabled: row.enabled === 1,
    overlap: row.overlap as ScheduleView['overlap'],
    catchUp: row.catch_up as ScheduleView['catchUp'],
    nextFireTimes,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}
