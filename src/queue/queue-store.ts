import type { FinalStatus, StepStatus } from '../engine/statuses.ts';
import type { StoredFileRef } from '../files/stored-file.ts';
import type { Usage } from '../models/model-provider.ts';

/**
 * The engine's hot path: claiming attempts, holding their leases, committing step results.
 * One implementation per dialect (`sqlite-queue-store.ts`, `postgres-queue-store.ts`), written in
 * plain SQL so each operation is a handful of statements. `queue-store.contract.test.ts` holds
 * both to the same rules.
 */

/** An attempt a worker now holds. `leaseGeneration` is its fencing token. */
export interface ClaimedAttempt {
  id: string;
  orgId: string;
  runId: string;
  number: number;
  agentVersion: number;
  fromStep: number;
  /** Set when a previous holder committed something: the attempt is being resumed. */
  currentStep: number | null;
  leaseGeneration: number;
  /** When the attempt was enqueued: the first step's queued time. */
  createdAt: number;
  /** What executing the attempt reads from its run, read by the claim so the worker need not ask again. */
  run: ClaimedRun;
}

export interface ClaimedRun {
  name: string;
  agentId: string;
  /** JSON text as stored: the resolved variables, model settings and step overrides. */
  variables: string;
  modelSettings: string;
  stepOverrides: string;
  /** The organization's credits per US dollar of model usage. */
  creditRate: number;
}

export interface StepResultRecord {
  number: number;
  key: string;
  name: string;
  status: StepStatus;
  output: string | null;
  error: string | null;
  model: string;
  reasoningEffort: string | null;
  queuedAt: number | null;
  startedAt: number | null;
  finishedAt: number;
  usage: Usage;
  credits: number;
  /** Files the step generated, already stored (`src/files/`). */
  files?: StoredFileRef[];
}

/**
 * Everything one step transition writes, in one transaction: the attempt's progress (fenced by
 * lease generation), the step's result, the run's status text, and the run events that tell it.
 */
export interface AttemptCommit {
  attemptId: string;
  runId: string;
  orgId: string;
  leaseGeneration: number;
  at: number;
  statusText: string;
  /** First commit of a holder: the run is (again) running. */
  started?: { attempt: number } | undefined;
  result?: StepResultRecord | undefined;
  /** The step that starts now. */
  next?: { number: number; name: string } | undefined;
  /** The attempt ends with this commit. */
  finish?:
    | {
        status: Exclude<FinalStatus, 'canceled'>;
        output: string | null;
        searchText: string;
        error: string | null;
      }
    | undefined;
}

export interface HeldLease {
  attemptId: string;
  leaseGeneration: number;
}

export interface QueueStore {
  /**
   * Takes up to `limit` attempts: running ones whose lease expired (their holder died) first, then
   * enqueued ones that are due, oldest `available_at` first. Each claim bumps the lease generation
   * and sets the lease to `now + leaseMs`. The returned list is in no particular order.
   */
  claim(options: {
    workerId: string;
    limit: number;
    now: number;
    leaseMs: number;
  }): Promise<ClaimedAttempt[]>;
  /** Extends the leases still held; returns the attempt ids that are not (canceled, or taken over). */
  heartbeat(options: { leases: HeldLease[]; now: number; leaseMs: number }): Promise<string[]>;
  /**
   * Hands leases back (a worker shutting down with attempts unfinished): each still held under its
   * generation expires now, so the next claim of any worker resumes it at its first unfinished step.
   */
  release(leases: HeldLease[]): Promise<void>;
  /**
   * Commits a batch in one transaction. A commit whose attempt is no longer running under its
   * lease generation writes nothing. Returns the ids of the attempts whose commits were written.
   */
  commit(commits: AttemptCommit[]): Promise<Set<string>>;
}

/** The run events a commit appends, in order. Shared so both dialects write the same log. */
export function eventsOf(commit: AttemptCommit): Array<{ type: string; data: unknown }> {
  const events: Array<{ type: string; data: unknown }> = [];
  if (commit.started) {
    events.push({
      type: 'run.status',
      data: { status: 'running', attempt: commit.started.attempt, statusText: commit.statusText },
    });
  }
  if (commit.result) {
    const r = commit.result;
    events.push({
      type: 'step.finished',
      data: {
        number: r.number,
        name: r.name,
        status: r.status,
        output: r.output,
        error: r.error,
        model: r.model,
        usage: r.usage,
        credits: r.credits,
        files: r.files ?? [],
        finishedAt: new Date(r.finishedAt).toISOString(),
      },
    });
  }
  if (commit.next) {
    const { number, name } = commit.next;
    events.push({ type: 'step.started', data: { number, name, statusText: commit.statusText } });
  }
  if (commit.finish) {
    events.push({
      type: 'run.status',
      data: { status: commit.finish.status, statusText: commit.statusText, error: commit.finish.error },
    });
  }
  return events;
}

/** A step result's columns attempt_id … files, in the order both dialects write them. */
export type StepResultValues = [
  attemptId: string,
  number: number,
  orgId: string,
  runId: string,
  key: string,
  name: string,
  status: string,
  output: string | null,
  error: string | null,
  model: string,
  reasoningEffort: string | null,
  queuedAt: number | null,
  startedAt: number | null,
  finishedAt: number,
  usage: string,
  credits: number,
  files: string,
];

export function stepResultValues(commit: AttemptCommit, r: StepResultRecord): StepResultValues {
  return [
    commit.attemptId,
    r.number,
    commit.orgId,
    commit.runId,
    r.key,
    r.name,
    r.status,
    r.output,
    r.error,
    r.model,
    r.reasoningEffort,
    r.queuedAt,
    r.startedAt,
    r.finishedAt,
    JSON.stringify(r.usage),
    r.credits,
    JSON.stringify(r.files ?? []),
  ];
}

/** The attempt columns a claim returns, as both dialects name them. */
export interface AttemptRow {
  id: string;
  org_id: string;
  run_id: string;
  number: number;
  agent_version: number;
  from_step: number;
  current_step: number | null;
  lease_generation: number;
  created_at: number;
}

/** The run columns a claim returns with each attempt. */
export interface ClaimedRunRow {
  run_name: string;
  agent_id: string;
  variables: string;
  model_settings: string;
  step_overrides: string;
  credit_rate: number;
}

export function toClaimedAttempt(row: AttemptRow, run: ClaimedRunRow): ClaimedAttempt {
  return {
    id: row.id,
    orgId: row.org_id,
    runId: row.run_id,
    number: row.number,
    agentVersion: row.agent_version,
    fromStep: row.from_step,
    currentStep: row.current_step,
    leaseGeneration: row.lease_generation,
    createdAt: row.created_at,
    run: {
      name: run.run_name,
      agentId: run.agent_id,
      variables: run.variables,
      modelSettings: run.model_settings,
      stepOverrides: run.step_overrides,
      creditRate: run.credit_rate,
    },
  };
}
