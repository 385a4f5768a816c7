/** Runs, their attempts (the queue), step results, events, estimates and generated files. */

export interface RunsTable {
  id: string;
  org_id: string;
  agent_id: string;
  agent_version: number;
  name: string;
  status: string;
  status_text: string;
  trigger: string;
  trigger_kind: string;
  variables: string;
  model_settings: string;
  step_overrides: string;
  site_ids: string;
  notification: string;
  step_count: number;
  estimated_credits: number;
  actual_credits: number | null;
  output: string | null;
  search_text: string;
  archived: number;
  attempt: number;
  event_seq: number;
  created_by: string;
  created_at: number;
  updated_at: number;
  last_completed_at: number | null;
  /** The policy version in force when the run was created (issue 02). */
  policy_version: number | null;
  /** Set on a child run (issue 05): the run, attempt and step that started it, and its depth. */
  parent_run_id: string | null;
  parent_attempt_id: string | null;
  parent_step: number | null;
  /** On a child of the `invoke_agent` tool: which call of the parent step started it (0017). */
  parent_tool_call: string | null;
  depth: number;
}

export interface AttemptsTable {
  id: string;
  org_id: string;
  run_id: string;
  number: number;
  status: string;
  agent_version: number;
  from_step: number;
  current_step: number | null;
  current_step_started_at: number | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  lease_generation: number;
  available_at: number;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  /** The policy version in force when the attempt finished; set by a trigger (issue 02). */
  finished_policy_version: number | null;
  /** 1 once a finished attempt's follow-ups (notifications, waking its parent) are written. */
  settled: number;
}

export interface StepResultsTable {
  attempt_id: string;
  number: number;
  org_id: string;
  run_id: string;
  key: string;
  name: string;
  status: string;
  output: string | null;
  error: string | null;
  model: string;
  reasoning_effort: string | null;
  reused: number;
  queued_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  usage: string;
  credits: number;
  tool_calls: string;
  sources: string;
  files: string;
}

export interface RunEventsTable {
  run_id: string;
  seq: number;
  org_id: string;
  type: string;
  data: string;
  created_at: number;
}

/** A run's credit estimate before it started (R5): the figure, its range, and how it was made. */
export interface RunEstimatesTable {
  run_id: string;
  org_id: string;
  agent_id: string;
  agent_version: number;
  credits: number;
  credits_low: number;
  credits_high: number;
  detail: string;
  created_at: number;
}

/**
 * A completed attempt's answer sizes, per step (JSON `UsageSample[]`, models/usage-history.ts): the
 * history a later run's credit estimate reads, newest first by attempt id.
 */
export interface UsageHistoryTable {
  org_id: string;
  agent_id: string;
  agent_version: number;
  attempt_id: string;
  run_id: string;
  samples: string;
}

export interface FilesTable {
  id: string;
  org_id: string;
  run_id: string;
  attempt_id: string;
  step_number: number;
  step_key: string;
  name: string;
  kind: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  /** The fencing token of the holder that rendered it; only a committed step result lists the file. */
  lease_generation: number;
  created_at: number;
}
