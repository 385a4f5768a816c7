import { type Kysely, type Selectable, type SqlBool, sql } from 'kysely';
import type { AgentDefinition } from '../agents/agent-definition.ts';
import { withMaskedSecrets } from '../agents/notification-secret.ts';
import { type UsageHistoryEntry, usageSamplesOf } from '../models/usage-history.ts';
import type { AttemptsTable, Database, RunsTable, StepResultsTable } from '../store/schema.ts';
import { toolCallsByStep } from '../tools/tool-call-log.ts';
import { canonicalJson } from './digest.ts';
import type {
  AttemptRecordBody,
  RecordFile,
  RecordLink,
  RecordSource,
  RecordStep,
} from './governed-record.ts';
import { RECORD_TYPE } from './governed-record.ts';
import { sha256HexSync } from './sha256-sync.ts';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(Number(ms)).toISOString());
const isoOrThrow = (ms: number): string => new Date(Number(ms)).toISOString();

const noToolCalls: ReadonlyMap<number, unknown[]> = new Map();

function usesTools(definition: unknown): boolean {
  const steps = (definition as { steps?: Array<{ tools?: unknown }> }).steps;
  return Array.isArray(steps) && steps.some((step) => step.tools !== undefined);
}

function parseArray(text: string): unknown[] {
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value : [];
}

/**
 * A generated file as a step result lists it (issue 08 writes them); the record keeps what
 * identifies the bytes. Field names are read leniently so the record's shape does not depend on
 * the exact spelling of issue 08's step result.
 */
export function toRecordFile(step: number | null, value: unknown): RecordFile | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const sha256 = typeof v.sha256 === 'string' ? v.sha256 : undefined;
  if (!sha256) return undefined;
  const str = (x: unknown, fallback: string) => (typeof x === 'string' ? x : fallback);
  const num = (x: unknown) => (typeof x === 'number' ? x : 0);
  return {
    step,
    name: str(v.name ?? v.fileName ?? v.filename, sha256),
    mediaType: str(v.mediaType ?? v.contentType ?? v.type, 'application/octet-stream'),
    sizeBytes: num(v.sizeBytes ?? v.size),
    sha256,
  };
}

/**
 * Agent versions never change, so a sealer keeps each one's parsed definition and digest rather
 * than parse and canonicalize it again for every attempt of the same agent.
 */
export type DefinitionCache = Map<string, { definition: unknown; sha256: string }>;

const DEFINITION_CACHE_LIMIT = 1000;

export interface BuiltRecord {
  orgId: string;
  runId: string;
  agentId: string;
  /** What the attempt adds to its agent version's estimate history (none unless it completed). */
  usage: UsageHistoryEntry;
  body: (link: RecordLink) => AttemptRecordBody;
}

/**
 * The columns a record is built from, and only those: a run's output and search text (its largest
 * columns) and the rows' bookkeeping are left in the database (engine benchmark, SQLite: reading
 * 170 attempts' rows took 6.4 ms with every column, 3.6 ms with these).
 */
const attemptColumns = [
  'id',
  'org_id',
  'run_id',
  'agent_version',
  'number',
  'status',
  'from_step',
  'error',
  'created_at',
  'started_at',
  'finished_at',
] as const;
const runColumns = [
  'id',
  'name',
  'trigger',
  'created_by',
  'created_at',
  'agent_id',
  'variables',
  'model_settings',
  'step_overrides',
  'site_ids',
  'estimated_credits',
] as const;
const stepResultColumns = [
  'attempt_id',
  'number',
  'key',
  'name',
  'status',
  'output',
  'error',
  'model',
  'reasoning_effort',
  'reused',
  'queued_at',
  'started_at',
  'finished_at',
  'usage',
  'credits',
  'tool_calls',
  'sources',
  'files',
] as const;

type AttemptRow = Pick<Selectable<AttemptsTable>, (typeof attemptColumns)[number]>;
type RunRow = Pick<Selectable<RunsTable>, (typeof runColumns)[number]>;
type StepResultRow = Pick<Selectable<StepResultsTable>, (typeof stepResultColumns)[number]>;

/**
 * "The attempt has finished", for statements that find attempts by id, written so that no index on
 * `status` serves it. Planners without statistics (SQLite always, PostgreSQL before its first
 * ANALYZE) walked `attempts_queue` or `attempts_lease` over every finished attempt to intersect
 * them with the ids (concurrency benchmark, SQLite: a seal's read 27 µs per attempt and growing
 * with the table), where the ids alone find their rows by key.
 */
export const attemptFinished = sql<SqlBool>`coalesce(status, '') in ('completed', 'failed', 'canceled')`;

/** Attempt ids in one `IN (…)` list. */
const READ_CHUNK = 500;

/**
 * Reads a finished attempt into its record body (everything but the chain link), or undefined
 * when the attempt does not exist or is not finished.
 */
export async function buildAttemptRecord(
  db: Kysely<Database>,
  attemptId: string,
  definitions: DefinitionCache = new Map(),
): Promise<BuiltRecord | undefined> {
  return (await buildAttemptRecords(db, [attemptId], definitions)).get(attemptId);
}

/**
 * Reads finished attempts into their record bodies, by attempt id; an attempt that does not exist
 * or is not finished is left out. Four queries per 500 attempts, whatever their number.
 */
export async function buildAttemptRecords(
  db: Kysely<Database>,
  attemptIds: readonly string[],
  definitions: DefinitionCache = new Map(),
): Promise<Map<string, BuiltRecord>> {
  const built = new Map<string, BuiltRecord>();
  for (let i = 0; i < attemptIds.length; i += READ_CHUNK) {
    const ids = attemptIds.slice(i, i + READ_CHUNK);
    const attempts = await db
      .selectFrom('attempts')
      .select(attemptColumns)
      .where('id', 'in', ids)
      .where(attemptFinished)
      .execute();
    if (attempts.length === 0) continue;
    const runIds = [...new Set(attempts.map((a) => a.run_id))];
    const [runs, results] = await Promise.all([
      db.selectFrom('runs').select(runColumns).where('id', 'in', runIds).execute(),
      db
        .selectFrom('step_results')
        .select(stepResultColumns)
        .where(
          'attempt_id',
          'in',
          attempts.map((a) => a.id),
        )
        .orderBy('attempt_id')
        .orderBy('number')
        .execute(),
    ]);
    const runById = new Map(runs.map((r) => [r.id, r]));
    const resultsByAttempt = new Map<string, StepResultRow[]>();
    for (const r of results) {
      const list = resultsByAttempt.get(r.attempt_id);
      if (list) list.push(r);
      else resultsByAttempt.set(r.attempt_id, [r]);
    }
    for (const attempt of attempts) {
      const run = runById.get(attempt.run_id);
      if (!run) throw new Error(`attempt ${attempt.id} has no run ${attempt.run_id}`);
      const agent = await definitionOf(db, definitions, run.agent_id, attempt.agent_version);
      // Tool calls live in their own table (issue 07), read only for an agent with a step that lists
      // tools: sealing is on the worker's path, and every other attempt costs no query more.
      const toolCalls = usesTools(agent.definition) ? await toolCallsByStep(db, attempt.id) : noToolCalls;
      built.set(
        attempt.id,
        toBuiltRecord(attempt, run, agent, resultsByAttempt.get(attempt.id) ?? [], toolCalls),
      );
    }
  }
  return built;
}

async function definitionOf(
  db: Kysely<Database>,
  definitions: DefinitionCache,
  agentId: string,
  version: number,
): Promise<{ definition: unknown; sha256: string }> {
  const key = `${agentId}@${version}`;
  const cached = definitions.get(key);
  if (cached) return cached;
  const row = await db
    .selectFrom('agent_versions')
    .select('definition')
    .where('agent_id', '=', agentId)
    .where('version', '=', version)
    .executeTakeFirstOrThrow();
  // The record is exported in evidence bundles: it shows that a notification is signed, not its secret.
  const definition = withMaskedSecrets(JSON.parse(row.definition) as AgentDefinition);
  const entry = { definition, sha256: sha256HexSync(canonicalJson(definition)) };
  if (definitions.size >= DEFINITION_CACHE_LIMIT) definitions.clear();
  definitions.set(key, entry);
  return entry;
}

function toBuiltRecord(
  attempt: AttemptRow,
  run: RunRow,
  agent: { definition: unknown; sha256: string },
  results: StepResultRow[],
  toolCalls: ReadonlyMap<number, unknown[]>,
): BuiltRecord {
  const { definition, sha256: definitionSha256 } = agent;
  const steps: RecordStep[] = results.map((r) => ({
    number: r.number,
    key: r.key,
    name: r.name,
    status: r.status,
    output: r.output,
    error: r.error,
    model: r.model,
    reasoningEffort: r.reasoning_effort,
    reused: r.reused === 1,
    queuedAt: iso(r.queued_at),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    usage: JSON.parse(r.usage) as unknown,
    credits: Number(r.credits),
    // Tool calls live in their own table (issue 07); the column is kept for records sealed before it.
    toolCalls: toolCalls.get(r.number) ?? parseArray(r.tool_calls),
    sources: parseArray(r.sources),
    files: parseArray(r.files)
      .map((f) => toRecordFile(r.number, f))
      .filter((f): f is RecordFile => f !== undefined),
  }));
  const sources: RecordSource[] = steps.flatMap((s) =>
    s.sources.map((source) => ({
      ...(typeof source === 'object' && source !== null ? source : { value: source }),
      step: s.number,
    })),
  );
  const files = steps.flatMap((s) => s.files);
  const actual = steps.filter((s) => !s.reused).reduce((sum, s) => sum + s.credits, 0);
  const last = [...steps].reverse().find((s) => s.status === 'completed');
  return {
    orgId: attempt.org_id,
    runId: run.id,
    agentId: run.agent_id,
    usage: {
      orgId: attempt.org_id,
      agentId: run.agent_id,
      agentVersion: attempt.agent_version,
      attemptId: attempt.id,
      runId: run.id,
      samples: usageSamplesOf(attempt.status, steps),
    },
    body: (link) => ({
      type: RECORD_TYPE,
      kind: 'attempt',
      ...link,
      run: {
        id: run.id,
        name: run.name,
        trigger: JSON.parse(run.trigger) as unknown,
        createdBy: run.created_by,
        createdAt: isoOrThrow(run.created_at),
      },
      agent: { id: run.agent_id, version: attempt.agent_version, definitionSha256, definition },
      // Issue 02 fills this from the policy version in force when the attempt ran.
      policyVersions: [],
      attempt: {
        id: attempt.id,
        number: attempt.number,
        status: attempt.status,
        fromStep: attempt.from_step,
        error: attempt.error,
        createdAt: isoOrThrow(attempt.created_at),
        startedAt: iso(attempt.started_at),
        finishedAt: iso(attempt.finished_at),
      },
      variables: parseArray(run.variables),
      modelSettings: JSON.parse(run.model_settings) as unknown,
      stepOverrides: parseArray(run.step_overrides),
      siteIds: parseArray(run.site_ids),
      sources,
      files,
      modelsUsed: [...new Set(steps.map((s) => s.model))].sort(),
      steps,
      output: attempt.status === 'completed' ? (last?.output ?? null) : null,
      credits: { estimated: Number(run.estimated_credits), actual: Math.round(actual * 1e6) / 1e6 },
    }),
  };
}
