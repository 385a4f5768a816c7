import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { appendAudit } from '../governance/audit-log.ts';
import type { Actor } from '../identity/actor.ts';
import { NotFoundError, ValidationError } from '../platform/errors.ts';
import type { Database, DocumentVersionsTable, SitesTable } from '../store/schema.ts';
import {
  type DocumentView,
  type SiteDetails,
  type SiteView,
  toDocumentView,
  toSiteView,
} from './site-view.ts';
import { uploadRunsOfSites } from './upload-run-view.ts';

type SiteDeps = Pick<Deps, 'store' | 'ids' | 'clock'>;

export const createSiteInputSchema = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(200),
  description: z.string().max(5000).default(''),
  /** T3: an agent to run on every upload. */
  uploadAgentId: z.string().min(1).nullable().default(null),
});
export type CreateSiteInput = z.infer<typeof createSiteInputSchema>;

export const updateSiteInputSchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(200).optional(),
    description: z.string().max(5000).optional(),
    archived: z.boolean().optional(),
    uploadAgentId: z.string().min(1).nullable().optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'give name, description, archived or uploadAgentId' });
export type UpdateSiteInput = z.infer<typeof updateSiteInputSchema>;

/** A site row of the actor's organization; throws NotFoundError otherwise. */
export async function getSiteRowOrThrow(
  db: Kysely<Database>,
  actor: Pick<Actor, 'orgId'>,
  siteId: string,
): Promise<SitesTable> {
  const row = await db
    .selectFrom('sites')
    .selectAll()
    .where('id', '=', siteId)
    .where('org_id', '=', actor.orgId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('site', siteId);
  return row;
}

async function assertAgentExists(deps: SiteDeps, actor: Actor, agentId: string | null | undefined) {
  if (!agentId) return;
  const agent = await deps.store.db
    .selectFrom('agents')
    .select('id')
    .where('id', '=', agentId)
    .where('org_id', '=', actor.orgId)
    .executeTakeFirst();
  if (!agent) throw ValidationError.field('uploadAgentId', `no agent ${agentId} in your organization`);
}

export async function createSite(deps: SiteDeps, actor: Actor, input: CreateSiteInput): Promise<SiteDetails> {
  await assertAgentExists(deps, actor, input.uploadAgentId);
  const now = deps.clock.now();
  const id = deps.ids.next('sit');
  await deps.store.transaction(async (trx) => {
    await trx
      .insertInto('sites')
      .values({
        id,
        org_id: actor.orgId,
        name: input.name,
        description: input.description,
        archived: 0,
        upload_agent_id: input.uploadAgentId,
        created_by: actor.userId,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'site.created',
      target: id,
      details: { name: input.name },
    });
  });
  return getSiteOrThrow(deps, actor, id);
}

/** Renames, describes, archives or unarchives a site; audited. */
export async function updateSite(
  deps: SiteDeps,
  actor: Actor,
  siteId: string,
  input: UpdateSiteInput,
): Promise<SiteDetails> {
  await getSiteRowOrThrow(deps.store.db, actor, siteId);
  await assertAgentExists(deps, actor, input.uploadAgentId);
  const now = deps.clock.now();
  await deps.store.transaction(async (trx) => {
    await trx
      .updateTable('sites')
      .set({
        updated_at: now,
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.archived !== undefined ? { archived: input.archived ? 1 : 0 } : {}),
        ...(input.uploadAgentId !== undefined ? { upload_agent_id: input.uploadAgentId } : {}),
      })
      .where('id', '=', siteId)
      .execute();
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: input.archived === true ? 'site.archived' : 'site.updated',
      target: siteId,
      details: { ...input },
    });
  });
  return getSiteOrThrow(deps, actor, siteId);
}

/** The documents (not deleted) of some sites, each with its versions, newest first. */
export async function documentsOfSites(db: Kysely<Database>, siteIds: string[]): Promise<DocumentView[]> {
  if (siteIds.length === 0) return [];
  const docs = await db
    .selectFrom('documents')
    .selectAll()
    .where('site_id', 'in', siteIds)
    .where('deleted_at', 'is', null)
    .orderBy('id', 'desc')
    .execute();
  if (docs.length === 0) return [];
  const versions = await db
    .selectFrom('document_versions')
    .selectAll()
    .where(
      'document_id',
      'in',
      docs.map((d) => d.id),
    )
    .execute();
  const byDoc = new Map<string, DocumentVersionsTable[]>();
  for (const v of versions) {
    const list = byDoc.get(v.document_id) ?? [];
    list.push(v);
    byDoc.set(v.document_id, list);
  }
  const uploadRuns = await uploadRunsOfSites(db, siteIds);
  return docs.map((d) => toDocumentView(d, byDoc.get(d.id) ?? [], uploadRuns));
}

/** A site with its documents and their versions (`GET /api/sites/:id`). */
export async function getSiteOrThrow(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  siteId: string,
): Promise<SiteDetails> {
  const row = await getSiteRowOrThrow(deps.store.db, actor, siteId);
  return { ...toSiteView(row), documents: await documentsOfSites(deps.store.db, [siteId]) };
}

export interface SiteListItem extends SiteView {
  documentCount: number;
  /** Each document with its latest version only; `GET /api/sites/:id` has every version. */
  documents: DocumentView[];
}

/** Sites newest first, a cursor page (`GET /api/sites`). */
export async function listSites(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  options: { limit: number; cursor?: string | undefined; archived?: boolean | undefined },
): Promise<{ items: SiteListItem[]; nextCursor: string | null }> {
  let query = deps.store.db
    .selectFrom('sites')
    .selectAll()
    .where('org_id', '=', actor.orgId)
    .orderBy('id', 'desc')
    .limit(options.limit + 1);
  if (options.cursor) query = query.where('id', '<', options.cursor);
  if (options.archived !== undefined) query = query.where('archived', '=', options.archived ? 1 : 0);
  const rows = await query.execute();
  const page = rows.slice(0, options.limit);
  const documents = await documentsOfSites(
    deps.store.db,
    page.map((r) => r.id),
  );
  const items = page.map((row) => {
    const docs = documents
      .filter((d) => d.siteId === row.id)
      .map((d) => ({ ...d, versions: d.versions.slice(0, 1) }));
    return { ...toSiteView(row), documentCount: docs.length, documents: docs };
  });
  return { items, nextCursor: rows.length > options.limit ? (page.at(-1)?.id ?? null) : null };
}
