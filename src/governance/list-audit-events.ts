import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { Actor } from '../identity/actor.ts';

/** The filters of the audit list; issue 09 builds Governance Activity on them. */
export const listAuditEventsQuerySchema = z.object({
  /** An exact action (`run.deleted`) or a family (`run.*`). */
  action: z
    .string()
    .regex(/^[a-z_]+(\.([a-z_]+|\*))?$/, 'must be an action like run.deleted, or a family like run.*')
    .optional(),
  /** Who acted: a user id or `system`. */
  actor: z.string().max(200).optional(),
  /** What was acted on: a run, agent, user or token id, or `policy:<n>`. */
  target: z.string().max(200).optional(),
  /** ISO 8601 bounds on the time, inclusive from, exclusive until. */
  from: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** The id of the last event of the previous page. */
  cursor: z.string().max(200).optional(),
});
export type ListAuditEventsQuery = z.infer<typeof listAuditEventsQuerySchema>;

export interface AuditEventView {
  id: string;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
  createdAt: string;
}

/**
 * The organization's audit events, newest first, in cursor pages. Ids grow with time, so the page
 * walks the `(org_id, id)` index, and a family filter (`run.*`) the `(org_id, action, id)` one.
 */
export async function listAuditEvents(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  query: ListAuditEventsQuery,
): Promise<{ items: AuditEventView[]; nextCursor: string | null }> {
  let select = deps.store.db.selectFrom('audit_events').selectAll().where('org_id', '=', actor.orgId);
  if (query.action?.endsWith('.*')) select = select.where('action', 'like', `${query.action.slice(0, -1)}%`);
  else if (query.action) select = select.where('action', '=', query.action);
  if (query.actor) select = select.where('actor', '=', query.actor);
  if (query.target) select = select.where('target', '=', query.target);
  if (query.from) select = select.where('created_at', '>=', Date.parse(query.from));
  if (query.until) select = select.where('created_at', '<', Date.parse(query.until));
  if (query.cursor) select = select.where('id', '<', query.cursor);
  const rows = await select
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  return {
    items: page.map((r) => ({
      id: r.id,
      actor: r.actor,
      action: r.action,
      target: r.target,
      details: JSON.parse(r.details) as Record<string, unknown>,
      createdAt: new Date(r.created_at).toISOString(),
    })),
    nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
  };
}
