import { type Kysely, sql } from 'kysely';
import type { Deps } from '../deps.ts';
import { appendAudit } from '../governance/audit-log.ts';
import type { Actor } from '../identity/actor.ts';
import { ConflictError, NotFoundError } from '../platform/errors.ts';
import { compiledOnce } from '../store/compiled-once.ts';
import { prepared } from '../store/prepared-statements.ts';
import type { AgentsTable, Database } from '../store/schema.ts';
import { assertAgentStepsOrThrow } from '../triggers/agent-step-graph.ts';
import type { AgentDefinition } from './agent-definition.ts';
import { keepWebhookSecret } from './notification-secret.ts';
import { validateAgentDefinition } from './validate-agent.ts';

export interface AgentView extends AgentDefinition {
  id: string;
  version: number;
  archived: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface AgentVersionView {
  version: number;
  createdAt: string;
  createdBy: string;
  definition: AgentDefinition;
}

type AgentDeps = Pick<Deps, 'store' | 'ids' | 'clock' | 'templates' | 'models'>;

/** Validates and stores a new agent as version 1. */
export async function createAgent(deps: AgentDeps, actor: Actor, input: unknown): Promise<AgentView> {
  const definition = validateAgentDefinition(
    input,
    deps.templates,
    await deps.models.knownForOrg(actor.orgId),
  );
  await assertAgentStepsOrThrow(deps.store.db, actor.orgId, undefined, definition);
  const now = deps.clock.now();
  const id = deps.ids.next('agt');
  await deps.store.transaction(async (trx) => {
    await trx
      .insertInto('agents')
      .values({
        id,
        org_id: actor.orgId,
        name: definition.name,
        description: definition.description,
        latest_version: 1,
        archived: 0,
        created_by: actor.userId,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await trx
      .insertInto('agent_versions')
      .values({
        agent_id: id,
        version: 1,
        org_id: actor.orgId,
        definition: JSON.stringify(definition),
        created_by: actor.userId,
        created_at: now,
      })
      .execute();
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'agent.created',
      target: id,
    });
  });
  return getAgentOrThrow(deps, actor, id);
}

/**
 * Stores `patch` over the latest definition as the next version; earlier versions stay as they
 * were, so runs that pinned them keep their meaning. `archived` alone changes no version.
 */
export async function updateAgent(
  deps: AgentDeps,
  actor: Actor,
  agentId: string,
  patch: Record<string, unknown>,
): Promise<AgentView> {
  const { archived, ...changes } = patch;
  const current = await getAgentOrThrow(deps, actor, agentId);
  const now = deps.clock.now();
  const hasDefinitionChange = Object.keys(changes).length > 0;
  if ('notification' in changes)
    changes.notification = keepWebhookSecret(changes.notification, current.notification);
  const definition = hasDefinitionChange
    ? validateAgentDefinition(
        { ...stripView(current), ...changes },
        deps.templates,
        await deps.models.knownForOrg(actor.orgId),
      )
    : undefined;
  if (definition) await assertAgentStepsOrThrow(deps.store.db, actor.orgId, agentId, definition);
  await deps.store.transaction(async (trx) => {
    const nextVersion = current.version + 1;
    if (definition) {
      // The version number is guarded by the primary key: two concurrent edits cannot both win.
      await trx
        .insertInto('agent_versions')
        .values({
          agent_id: agentId,
          version: nextVersion,
          org_id: actor.orgId,
          definition: JSON.stringify(definition),
          created_by: actor.userId,
          created_at: now,
        })
        .execute();
    }
    const set: Partial<AgentsTable> = { updated_at: now };
    if (definition)
      Object.assign(set, {
        name: definition.name,
        description: definition.description,
        latest_version: nextVersion,
      });
    if (typeof archived === 'boolean') set.archived = archived ? 1 : 0;
    await trx
      .updateTable('agents')
      .set(set)
      .where('id', '=', agentId)
      .where('org_id', '=', actor.orgId)
      .execute();
    const action = definition ? 'agent.updated' : archived ? 'agent.archived' : 'agent.unarchived';
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action,
      target: agentId,
      details: definition ? { version: nextVersion } : {},
    });
  });
  return getAgentOrThrow(deps, actor, agentId);
}

function stripView(view: AgentView): AgentDefinition {
  const { id: _id, version: _v, archived: _a, createdAt: _c, updatedAt: _u, ...definition } = view;
  return definition;
}

/** An agent with its latest version's definition: the query, to run or to join with another. */
export function latestAgentVersionQuery(db: Kysely<Database>, agentId: string, orgId: string) {
  return db
    .selectFrom('agents')
    .innerJoin('agent_versions', (join) =>
      join
        .onRef('agent_versions.agent_id', '=', 'agents.id')
        .onRef('agent_versions.version', '=', 'agents.latest_version'),
    )
    .select([
      'agents.id',
      'agents.latest_version',
      'agents.archived',
      'agents.created_at',
      'agents.updated_at',
      'agent_versions.definition',
    ])
    .where('agents.id', '=', agentId)
    .where('agents.org_id', '=', orgId);
}

/** Compiled once, and prepared, so planned once per PostgreSQL connection. */
const latestAgentVersion = compiledOnce((db: Kysely<Database>, agentId: string, orgId: string) =>
  prepared(latestAgentVersionQuery(db, agentId, orgId)),
);

/** The view of a row of `latestAgentVersionQuery`. */
export function agentViewOf(row: {
  id: string;
  latest_version: number;
  archived: number;
  created_at: number;
  updated_at: number;
  definition: string;
}): AgentView {
  return {
    id: row.id,
    version: row.latest_version,
    archived: row.archived === 1,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    ...(JSON.parse(row.definition) as AgentDefinition),
  };
}

export async function getAgentOrThrow(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  agentId: string,
): Promise<AgentView> {
  const [row] = await latestAgentVersion(deps.store.reads, agentId, actor.orgId);
  if (!row) throw new NotFoundError('agent', agentId);
  return agentViewOf(row);
}

export interface AgentListItem {
  id: string;
  name: string;
  description: string;
  version: number;
  archived: boolean;
  updatedAt: string;
}

/** Newest first, cursor-paginated by id. */
export async function listAgents(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  options: {
    limit: number;
    cursor?: string | undefined;
    archived?: boolean | undefined;
    q?: string | undefined;
  },
): Promise<{ items: AgentListItem[]; nextCursor: string | null }> {
  let query = deps.store.db
    .selectFrom('agents')
    .select(['id', 'name', 'description', 'latest_version', 'archived', 'updated_at'])
    .where('org_id', '=', actor.orgId)
    .orderBy('id', 'desc')
    .limit(options.limit + 1);
  if (options.cursor) query = query.where('id', '<', options.cursor);
  if (options.archived !== undefined) query = query.where('archived', '=', options.archived ? 1 : 0);
  if (options.q) {
    // Case-insensitive on both stores (PostgreSQL's LIKE is not), and `%` `_` literal: SQLite's
    // LIKE has no escape character unless told, so "report_v2" matched nothing there.
    const pattern = `%${options.q.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    query = query.where(sql<boolean>`lower(name) LIKE ${pattern} ESCAPE '\\'`);
  }
  const rows = await query.execute();
  const page = rows.slice(0, options.limit);
  return {
    items: page.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      version: r.latest_version,
      archived: r.archived === 1,
      updatedAt: new Date(r.updated_at).toISOString(),
    })),
    nextCursor: rows.length > options.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

export async function listAgentVersions(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  agentId: string,
): Promise<AgentVersionView[]> {
  await getAgentOrThrow(deps, actor, agentId);
  const rows = await deps.store.db
    .selectFrom('agent_versions')
    .selectAll()
    .where('agent_id', '=', agentId)
    .where('org_id', '=', actor.orgId)
    .orderBy('version', 'desc')
    .execute();
  return rows.map((r) => ({
    version: r.version,
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
    definition: JSON.parse(r.definition) as AgentDefinition,
  }));
}

/**
 * Reads one version's definition. Versions never change, so callers may cache the result forever.
 * Takes the query builder, not the store: inside a transaction pass the transaction (on SQLite
 * the store's own connection is held by it).
 */
export async function getAgentVersionOrThrow(
  db: Kysely<Database>,
  orgId: string,
  agentId: string,
  version: number,
): Promise<AgentDefinition> {
  const row = await db
    .selectFrom('agent_versions')
    .select('definition')
    .where('agent_id', '=', agentId)
    .where('version', '=', version)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('agent version', `${agentId}@${version}`);
  return JSON.parse(row.definition) as AgentDefinition;
}

/** Throws ConflictError when the agent is archived: archived agents start no runs. */
export function assertActive(agent: AgentView): void {
  if (agent.archived) throw new ConflictError(`agent ${agent.id} is archived; unarchive it to run it`);
}
