import type { Kysely } from 'kysely';
import type { AgentDefinition } from '../agents/agent-definition.ts';
import { withMaskedSecrets } from '../agents/notification-secret.ts';
import type { Database } from '../store/schema.ts';
import { canonicalJson, sha256Hex } from './digest.ts';
import type {
  AttemptRecordBody,
  RecordFile,
  RecordLink,
  RecordSource,
  RecordStep,
} from './governed-record.ts';
import { RECORD_TYPE } from './governed-record.ts';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(Number(ms)).toISOString());
const isoOrThrow = (ms: number): string => new Date(Number(ms)).toISOString();

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

export interface BuiltRecord {
  orgId: string;
  runId: string;
  agentId: string;
  body: (link: RecordLink) => AttemptRecordBody;
}

/**
 * Reads a finished attempt into its record body (everything but the chain link), or undefined
 * when the attempt does not exist or is not finished.
 */
export async function buildAttemptRecord(
  db: Kysely<Database>,
  attemptId: string,
): Promise<
  { orgId: string; runId: string; agentId: string; body: (link: RecordLink) => AttemptRecordBody } | undefined
> {
  const attempt = await db.selectFrom('attempts').selectAll().where('id', '=', attemptId).executeTakeFirst();
  if (!attempt || !['completed', 'failed', 'canceled'].includes(attempt.status)) return undefined;
  const run = await db
    .selectFrom('runs')
    .selectAll()
    .where('id', '=', attempt.run_id)
    .executeTakeFirstOrThrow();
  const [version, results] = await Promise.all([
    db
      .selectFrom('agent_versions')
      .select('definition')
      .where('agent_id', '=', run.agent_id)
      .where('version', '=', attempt.agent_version)
      .executeTakeFirstOrThrow(),
    db.selectFrom('step_results').selectAll().where('attempt_id', '=', attemptId).orderBy('number').execute(),
  ]);
  // The record is exported in evidence bundles: it shows that a notification is signed, not its secret.
  const definition = withMaskedSecrets(JSON.parse(version.definition) as AgentDefinition);
  const definitionSha256 = await sha256Hex(canonicalJson(definition));
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
    toolCalls: parseArray(r.tool_calls),
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
