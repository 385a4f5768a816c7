import type { Kysely } from 'kysely';
import type { Deps } from '../deps.ts';
import { batchSlices } from '../store/batch-slices.ts';
import { executeTogether, rowsInsert } from '../store/execute-together.ts';
import type { Database } from '../store/schema.ts';
import type { StoreKind } from '../store/store-kind.ts';

/** One step's answer in a completed attempt: what a later run's estimate expects of that step. */
export interface UsageSample {
  number: number;
  model: string;
  outputTokens: number;
  reasoningTokens: number;
}

/** A completed attempt's samples, as sealing records them. */
export interface UsageHistoryEntry {
  orgId: string;
  agentId: string;
  agentVersion: number;
  attemptId: string;
  runId: string;
  samples: UsageSample[];
}

/** A step as a sealed record holds it (governance/governed-record.ts): its usage already parsed. */
interface RecordedStep {
  number: number;
  model: string;
  status: string;
  reused: boolean;
  usage: unknown;
}

/**
 * The samples an attempt leaves: its own completed steps (not those reused from an earlier
 * attempt), or none unless the attempt completed.
 */
export function usageSamplesOf(attemptStatus: string, steps: readonly RecordedStep[]): UsageSample[] {
  if (attemptStatus !== 'completed') return [];
  return steps
    .filter((s) => s.status === 'completed' && !s.reused)
    .map((s) => {
      const usage = (s.usage ?? {}) as { outputTokens?: number; reasoningTokens?: number };
      return {
        number: s.number,
        model: s.model,
        outputTokens: usage.outputTokens ?? 0,
        reasoningTokens: usage.reasoningTokens ?? 0,
      };
    });
}

/** Rows in one multi-row INSERT, a sealing transaction's worth; fewer go in `batchSlices`. */
const INSERT_CHUNK = 100;

/** Records completed attempts' samples inside `trx`; an attempt recorded before is left as it is. */
export async function recordUsageHistory(
  trx: Kysely<Database>,
  kind: StoreKind,
  entries: readonly UsageHistoryEntry[],
): Promise<void> {
  const rows = entries
    .filter((e) => e.samples.length > 0)
    .map((e) => ({
      org_id: e.orgId,
      agent_id: e.agentId,
      agent_version: e.agentVersion,
      attempt_id: e.attemptId,
      run_id: e.runId,
      samples: JSON.stringify(e.samples),
    }));
  for (const slice of batchSlices(rows, INSERT_CHUNK))
    await executeTogether(trx, kind, [rowsInsert('usage_history', slice, { ignoreConflicts: true })]);
}

/**
 * Each step's samples from the agent version's newest `attempts` completed attempts (one index
 * range: attempt ids grow with time), by step number.
 */
export async function readUsageHistory(
  db: Kysely<Database>,
  input: { orgId: string; agentId: string; version: number; attempts: number },
): Promise<Map<number, UsageSample[]>> {
  const rows = await db
    .selectFrom('usage_history')
    .select('samples')
    .where('org_id', '=', input.orgId)
    .where('agent_id', '=', input.agentId)
    .where('agent_version', '=', input.version)
    .orderBy('attempt_id', 'desc')
    .limit(input.attempts)
    .execute();
  const byStep = new Map<number, UsageSample[]>();
  for (const row of rows) {
    for (const sample of JSON.parse(row.samples) as UsageSample[]) {
      const list = byStep.get(sample.number);
      if (list) list.push(sample);
      else byStep.set(sample.number, [sample]);
    }
  }
  return byStep;
}

export interface UsageHistoryKey {
  orgId: string;
  agentId: string;
  version: number;
}

/**
 * The estimate's history (`readUsageHistory`), cached per agent version: every run created reads
 * it, and it changes only when an attempt of that version is sealed or a run is deleted. Those
 * call `invalidate`, so this process sees them at once; another process's within `cacheMs`.
 */
export interface UsageHistoryBook {
  samplesFor(key: UsageHistoryKey): Promise<Map<number, UsageSample[]>>;
  invalidate(orgId: string, agentId: string): void;
}

/** How many of the agent version's latest completed attempts an estimate's history holds. */
export const HISTORY_ATTEMPTS = 50;

/** Agents whose history is kept; past it the longest-cached goes first. */
const CACHED_AGENTS = 1000;

export function createUsageHistoryBook(
  deps: Pick<Deps, 'store' | 'clock'>,
  cacheMs = 10_000,
): UsageHistoryBook {
  /** By organization and agent, then by version: `invalidate` drops every version of the agent. */
  const cache = new Map<string, Map<number, { at: number; samples: Promise<Map<number, UsageSample[]>> }>>();
  return {
    samplesFor(key) {
      const now = deps.clock.now();
      const agentKey = `${key.orgId}/${key.agentId}`;
      let versions = cache.get(agentKey);
      const hit = versions?.get(key.version);
      if (hit && now - hit.at < cacheMs) return hit.samples;
      const samples = readUsageHistory(deps.store.reads, { ...key, attempts: HISTORY_ATTEMPTS });
      if (!versions) {
        if (cache.size >= CACHED_AGENTS) cache.delete(cache.keys().next().value as string);
        versions = new Map();
        cache.set(agentKey, versions);
      }
      const entry = { at: now, samples };
      versions.set(key.version, entry);
      samples.catch(() => {
        if (cache.get(agentKey)?.get(key.version) === entry) cache.get(agentKey)?.delete(key.version);
      });
      return samples;
    },
    invalidate(orgId, agentId) {
      cache.delete(`${orgId}/${agentId}`);
    },
  };
}
