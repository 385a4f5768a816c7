import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

/** One tool call of a step (D5 "tool calls"), as the run view and the governed record show it. */
export interface ToolCallView {
  /** 1-based order within the step. */
  seq: number;
  /** The name the step lists (`http_request`, `mcp:files/read_file`). */
  tool: string;
  arguments: unknown;
  result: unknown;
  error: string | null;
  /** The rule that refused the call before it ran, if one did. */
  refusedBy: string | null;
  startedAt: string;
  durationMs: number;
}

/** Results and arguments longer than this are cut in the log (the model got the whole of them). */
const MAX_LOGGED_CHARS = 64 * 1024;

export interface ToolCallEntry {
  tool: string;
  arguments: unknown;
  result?: unknown;
  error?: string;
  refusedBy?: string;
  startedAt: number;
  durationMs: number;
}

/** Writes one step's tool calls as they end, numbered in the order they ended. */
export interface ToolCallLog {
  append(entry: ToolCallEntry): Promise<void>;
}

/**
 * A log for one step of one attempt. The step's earlier calls are removed first: a step run again
 * (its worker lost the lease mid-step) records the calls of the run that counts, once.
 */
export function createToolCallLog(
  db: Kysely<Database>,
  step: { attemptId: string; runId: string; orgId: string; number: number },
): ToolCallLog {
  let seq = 0;
  let cleared: Promise<unknown> | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  return {
    append(entry) {
      cleared ??= db
        .deleteFrom('tool_calls')
        .where('attempt_id', '=', step.attemptId)
        .where('step_number', '=', step.number)
        .execute();
      const number = ++seq;
      const write = chain.then(async () => {
        await cleared;
        await db
          .insertInto('tool_calls')
          .values({
            attempt_id: step.attemptId,
            step_number: step.number,
            seq: number,
            org_id: step.orgId,
            run_id: step.runId,
            tool: entry.tool,
            arguments: clip(JSON.stringify(entry.arguments ?? null)),
            result: entry.result === undefined ? null : clip(JSON.stringify(entry.result)),
            error: entry.error ?? null,
            refused_by: entry.refusedBy ?? null,
            started_at: entry.startedAt,
            duration_ms: Math.max(0, Math.round(entry.durationMs)),
          })
          .execute();
      });
      chain = write.catch(() => undefined);
      return write;
    },
  };
}

/** A value too long to log whole becomes a string that says so. */
function clip(json: string): string {
  if (json.length <= MAX_LOGGED_CHARS) return json;
  return JSON.stringify(`${json.slice(0, MAX_LOGGED_CHARS)}… (${json.length} characters, cut)`);
}

/** The tool calls each step of an attempt made, by step number, in call order. */
export async function toolCallsByStep(
  db: Kysely<Database>,
  attemptId: string,
): Promise<Map<number, ToolCallView[]>> {
  const rows = await db
    .selectFrom('tool_calls')
    .selectAll()
    .where('attempt_id', '=', attemptId)
    .orderBy('step_number')
    .orderBy('seq')
    .execute();
  const byStep = new Map<number, ToolCallView[]>();
  for (const r of rows) {
    const list = byStep.get(r.step_number) ?? [];
    list.push({
      seq: r.seq,
      tool: r.tool,
      arguments: JSON.parse(r.arguments) as unknown,
      result: r.result === null ? null : (JSON.parse(r.result) as unknown),
      error: r.error,
      refusedBy: r.refused_by,
      startedAt: new Date(Number(r.started_at)).toISOString(),
      durationMs: r.duration_ms,
    });
    byStep.set(r.step_number, list);
  }
  return byStep;
}
