import { type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { runStatuses } from '../engine/statuses.ts';
import type { Actor } from '../identity/actor.ts';
import { ValidationError } from '../platform/errors.ts';
import type { Database } from '../store/schema.ts';
import type { StoreKind } from '../store/store-kind.ts';
import { type RunSummary, type RunSummaryRow, runSummaryColumns, toRunSummary } from './run-view.ts';

export const runSorts = [
  'created_desc',
  'created_asc',
  'updated_desc',
  'updated_asc',
  'name_asc',
  'name_desc',
] as const;
export const triggerKinds = ['manual', 'schedule', 'webhook', 'upload', 'agent', 'benchmark'] as const;

/** `GET /api/runs` query (L2). `status` takes a comma-separated list. */
export const listRunsQuerySchema = z.object({
  q: z.string().max(500).optional(),
  agentId: z.string().optional(),
  status: z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || v.split(',').every((s) => (runStatuses as readonly string[]).includes(s)),
      {
        message: `must be a comma-separated list of ${runStatuses.join(', ')}`,
      },
    ),
  trigger: z.enum(triggerKinds).optional(),
  archived: z.enum(['true', 'false', 'all']).default('false'),
  sort: z.enum(runSorts).default('created_desc'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(1000).optional(),
});
export type ListRunsQuery = z.infer<typeof listRunsQuerySchema>;
export type RunFilter = Pick<ListRunsQuery, 'q' | 'agentId' | 'status' | 'trigger' | 'archived'>;

type SortColumn = 'id' | 'updated_at' | 'name';

const sortSpec: Record<(typeof runSorts)[number], { column: SortColumn; direction: 'asc' | 'desc' }> = {
  created_desc: { column: 'id', direction: 'desc' },
  created_asc: { column: 'id', direction: 'asc' },
  updated_desc: { column: 'updated_at', direction: 'desc' },
  updated_asc: { column: 'updated_at', direction: 'asc' },
  name_asc: { column: 'name', direction: 'asc' },
  name_desc: { column: 'name', direction: 'desc' },
};

/**
 * The run list: filters, full-text search over names and outputs, and keyset pages. A cursor is
 * the last row's (sort value, id), so a page costs an index range scan however deep it is, and no
 * run is lost or repeated when runs are added between pages.
 */
export async function listRuns(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  query: ListRunsQuery,
): Promise<{ items: RunSummary[]; nextCursor: string | null }> {
  const { column, direction } = sortSpec[query.sort];
  const { reads: db, kind } = deps.store;
  const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
  const fewMatches = kind === 'sqlite' && (await matchesFewRuns(db, query.q));
  const pageOf = (filter: RunFilter) => {
    let select = filteredRuns(db, kind, actor, filter, { fewMatches }).select(
      runSummaryColumns.map((column) => `runs.${column}` as const),
    );
    if (cursor) {
      const [value, id] = cursor;
      const op = direction === 'desc' ? '<' : '>';
      select =
        column === 'id'
          ? select.where('runs.id', op, id)
          : select.where((eb) =>
              eb.or([
                eb(`runs.${column}`, op, value),
                eb.and([eb(`runs.${column}`, '=', value), eb('runs.id', op, id)]),
              ]),
            );
    }
    select = select.orderBy(`runs.${column}`, direction);
    if (column !== 'id') select = select.orderBy('runs.id', direction);
    return select.limit(query.limit + 1);
  };
  // Several statuses, newest first: one page per status along (org_id, status, id), merged. Asked
  // as one `status IN (…)`, the database walks every run newest first testing each (PostgreSQL
  // cannot merge an index's ranges), 13 ms for running+enqueued at 1,000,000 runs; merged, 0.7 ms.
  const statuses = [...new Set(query.status?.split(','))];
  let rows: RunSummaryRow[];
  if (column === 'id' && statuses.length > 1) {
    const [first, ...rest] = statuses.map((status) =>
      db.selectFrom(pageOf({ ...query, status }).as('page')).selectAll(),
    );
    const pages = rest.reduce((union, page) => union.unionAll(page), first!);
    rows = await db
      .selectFrom(pages.as('pages'))
      .selectAll()
      .orderBy('pages.id', direction)
      .limit(query.limit + 1)
      .execute();
  } else {
    rows = await pageOf(query).execute();
  }
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(toRunSummary),
    nextCursor: rows.length > query.limit && last ? encodeCursor([last[column], last.id]) : null,
  };
}

/**
 * The runs matching a filter, for lists and for bulk actions over "every run matching".
 * `fewMatches` (SQLite): the search matches few runs, so the plan should start from them.
 */
export function filteredRuns(
  db: Kysely<Database>,
  kind: StoreKind,
  actor: Actor,
  filter: RunFilter,
  { fewMatches = false }: { fewMatches?: boolean } = {},
): SelectQueryBuilder<Database, 'runs', object> {
  let select = db.selectFrom('runs').where('runs.org_id', '=', actor.orgId);
  if (filter.agentId) select = select.where('runs.agent_id', '=', filter.agentId);
  if (filter.status) select = select.where('runs.status', 'in', filter.status.split(','));
  if (filter.trigger) select = select.where('runs.trigger_kind', '=', filter.trigger);
  // A literal, not a parameter: SQLite uses the partial index of archived runs only for a value it
  // sees when it prepares the statement.
  if (filter.archived !== 'all')
    select = select.where('runs.archived', '=', sql.lit(filter.archived === 'true' ? 1 : 0));
  const terms = searchTerms(filter.q);
  if (terms.length > 0) {
    select =
      kind === 'sqlite'
        ? select.where(
            fewMatches
              ? sql<boolean>`runs.rowid IN (SELECT rowid FROM runs_fts WHERE runs_fts MATCH ${ftsQuery(terms)})`
              : sql<boolean>`+runs.rowid IN (SELECT rowid FROM runs_fts WHERE runs_fts MATCH ${ftsQuery(terms)})`,
          )
        : select.where(
            sql<boolean>`runs.search_vector @@ to_tsquery('simple', ${terms.map((t) => `${t}:*`).join(' & ')})`,
          );
  }
  return select;
}

/**
 * SQLite plans a search one of two ways, and which is fast depends on how many runs match. From
 * the matches: look each one up and sort them, cheap for a rare word, slow for a common one (every
 * match sorted, 200 ms at 100,000 runs). Along the sort's index (the unary + keeps the planner off
 * the matches' rowids): walk runs newest first, test each against the matches (materialized once),
 * stop at the page's end; cheap for a common word, slow for a rare one (the whole index walked,
 * 55 ms at 1,000,000 runs). Counting the matches up to a bound first costs a fraction of a
 * millisecond and picks the plan.
 */
async function matchesFewRuns(db: Kysely<Database>, q: string | undefined): Promise<boolean> {
  const terms = searchTerms(q);
  if (terms.length === 0) return false;
  const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM
    (SELECT 1 FROM runs_fts WHERE runs_fts MATCH ${ftsQuery(terms)} LIMIT ${FEW_MATCHES + 1})`.execute(db);
  return (rows[0]?.n ?? 0) <= FEW_MATCHES;
}

/** At most this many matches, a SQLite search starts from them (see `matchesFewRuns`). */
const FEW_MATCHES = 2000;

function ftsQuery(terms: string[]): string {
  return terms.map((t) => `"${t}"*`).join(' AND ');
}

/** Words and numbers of a search box, lower-cased; everything else (quotes, operators) is dropped. */
function searchTerms(q: string | undefined): string[] {
  return (q?.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 16);
}

function encodeCursor(position: [string | number, string]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

function decodeCursor(cursor: string): [string | number, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[1] === 'string' &&
      ['string', 'number'].includes(typeof value[0])
    ) {
      return value as [string | number, string];
    }
  } catch {
    // fall through to the error below
  }
  throw ValidationError.field('cursor', 'is not a cursor this list returned');
}
