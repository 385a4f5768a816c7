import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { Actor } from '../identity/actor.ts';

/**
 * Governance Activity (SPEC G2): the audit events (issue 02 adds one for every action) and the
 * record seals (`record.sealed`), newest first, filtered by actor, action, agent and date.
 */
export const activityQuerySchema = z.object({
  actor: z.string().min(1).max(200).optional(),
  /** An exact action (`run.deleted`) or a family (`run.*`). */
  action: z.string().min(1).max(200).optional(),
  agentId: z.string().min(1).max(200).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .regex(/^aud_[0-9A-Z]{26}$/, 'is not a cursor this list returned')
    .optional(),
  format: z.enum(['json', 'csv']).default('json'),
});
export type ActivityQuery = z.infer<typeof activityQuerySchema>;

export interface ActivityItem {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

/** The largest CSV export: beyond this, narrow the filter. */
export const CSV_ROW_LIMIT = 100_000;

function filtered(deps: Pick<Deps, 'store'>, actor: Actor, query: ActivityQuery) {
  let q = deps.store.db.selectFrom('audit_events').selectAll().where('org_id', '=', actor.orgId);
  if (query.actor) q = q.where('actor', '=', query.actor);
  if (query.action)
    q = query.action.endsWith('.*')
      ? q.where('action', 'like', `${query.action.slice(0, -1).replace(/[%_]/g, '')}%`)
      : q.where('action', '=', query.action);
  if (query.from) q = q.where('created_at', '>=', Date.parse(query.from));
  if (query.to) q = q.where('created_at', '<=', Date.parse(query.to));
  const agentId = query.agentId;
  if (agentId) {
    // The agent itself, its runs (while they exist), and events that name it (seals, deletions).
    const named = `%"agentId":${JSON.stringify(agentId)}%`;
    q = q.where((eb) =>
      eb.or([
        eb('target', '=', agentId),
        eb('details', 'like', named),
        eb(
          'target',
          'in',
          eb
            .selectFrom('runs')
            .select('id')
            .where('agent_id', '=', agentId)
            .where('org_id', '=', actor.orgId),
        ),
      ]),
    );
  }
  if (query.cursor) q = q.where('id', '<', query.cursor);
  return q.orderBy('id', 'desc');
}

const toItem = (r: {
  id: string;
  created_at: number;
  actor: string;
  action: string;
  target: string;
  details: string;
}): ActivityItem => ({
  id: r.id,
  at: new Date(Number(r.created_at)).toISOString(),
  actor: r.actor,
  action: r.action,
  target: r.target,
  details: JSON.parse(r.details) as Record<string, unknown>,
});

export async function listActivity(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  query: ActivityQuery,
): Promise<{ items: ActivityItem[]; nextCursor: string | null }> {
  const rows = await filtered(deps, actor, query)
    .limit(query.limit + 1)
    .execute();
  const items = rows.slice(0, query.limit).map(toItem);
  return { items, nextCursor: rows.length > query.limit ? (items.at(-1)?.id ?? null) : null };
}

function csvField(value: string): string {
  // A leading = + - @ would make a spreadsheet run it as a formula (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The same filter as CSV (at, actor, action, target, details as JSON), newest first. */
export async function activityCsv(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  query: ActivityQuery,
): Promise<string> {
  const rows = await filtered(deps, actor, { ...query, cursor: undefined })
    .limit(CSV_ROW_LIMIT)
    .execute();
  const lines = ['at,actor,action,target,details'];
  for (const r of rows.map(toItem))
    lines.push([r.at, r.actor, r.action, r.target, JSON.stringify(r.details)].map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
