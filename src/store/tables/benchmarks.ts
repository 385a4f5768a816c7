/** Benchmarks and dataset runs (issue 10). */

/** One per agent (issue 10): its benchmark (`BenchmarkConfig` as JSON); `auto_run` 1 benchmarks each completion. */
export interface BenchmarksTable {
  agent_id: string;
  org_id: string;
  config: string;
  auto_run: number;
  updated_by: string;
  updated_at: number;
}

/**
 * One benchmark of one attempt (issue 10). `pending` rows are the benchmark loop's queue; `done`
 * rows hold the score (0–100), pass, the writing-quality report and each criterion's outcome.
 */
export interface BenchmarkResultsTable {
  id: string;
  org_id: string;
  agent_id: string;
  agent_version: number;
  run_id: string;
  attempt_id: string;
  attempt_number: number;
  seq: number;
  origin: string;
  dataset_run_id: string | null;
  case_id: string | null;
  status: string;
  score: number | null;
  passed: number | null;
  quality: string | null;
  criteria: string | null;
  credits: number | null;
  duration_ms: number | null;
  error: string | null;
  requested_by: string;
  created_at: number;
  /** When a benchmark loop took it up; a `running` row claimed long ago is taken up again. */
  claimed_at: number | null;
  finished_at: number | null;
}

/** A dataset run (issue 10): the agent over every reference case, on one or two versions. */
export interface DatasetRunsTable {
  id: string;
  org_id: string;
  agent_id: string;
  versions: string;
  cases: string;
  created_by: string;
  created_at: number;
}

/** The run a dataset run started for one case on one version. */
export interface DatasetRunItemsTable {
  dataset_run_id: string;
  case_id: string;
  agent_version: number;
  org_id: string;
  run_id: string;
}
