import type { Kysely } from 'kysely';
import type { Ids } from '../platform/ids.ts';
import { batchSlices } from '../store/batch-slices.ts';
import type { AuditEventsTable, Database } from '../store/schema.ts';

export interface AuditEntry {
  orgId: string;
  /** A user id, or `system`, `schedule:<id>`… */
  actor: string;
  /** `run.created`, `run.canceled`, `agent.updated`… */
  action: string;
  /** The id acted on. */
  target: string;
  details?: Record<string, unknown>;
}

/** Appends to the append-only audit table (issue 09 chains and shows it as Governance Activity). */
export async function appendAudit(
  db: Kysely<Database>,
  ids: Ids,
  at: number,
  entry: AuditEntry,
): Promise<void> {
  await appendAudits(db, ids, at, [entry]);
}

/** Appends several entries with a few multi-row INSERTs (`batchSlices` of 100: sealing a batch of attempts). */
export async function appendAudits(
  db: Kysely<Database>,
  ids: Ids,
  at: number,
  entries: readonly AuditEntry[],
): Promise<void> {
  for (const slice of batchSlices(entries, 100))
    await db
      .insertInto('audit_events')
      .values(auditRows(ids, at, slice))
      .execute();
}

/** The rows of `entries` (for `executeTogether`). */
export function auditRows(ids: Ids, at: number, entries: readonly AuditEntry[]): AuditEventsTable[] {
  return entries.map((entry) => ({
    id: ids.next('aud'),
    org_id: entry.orgId,
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    details: JSON.stringify(entry.details ?? {}),
    created_at: at,
  }));
}
