import type { Generated } from 'kysely';

/**
 * The tables, as Kysely sees them. Both dialects store the same shapes:
 * times are epoch milliseconds (bigint), flags are 0/1 integers, structured values are JSON text.
 *
 * Glossary
 * - organization: the tenant; every other row belongs to one.
 * - agent / agent_version: a definition and its immutable versions (a run pins one).
 * - run: one execution record of an agent; its status mirrors its latest attempt.
 * - attempt: one execution of a run (a rerun adds one); the queue item workers claim and lease.
 * - step_result: the committed outcome of one step of one attempt, exactly one per (attempt, number).
 * - run_event: append-only log per run with a per-run sequence number; SSE tails it.
 */
export interface OrganizationsTable {
  id: string;
  name: string;
  credit_rate: number;
  created_at: number;
}

export interface UsersTable {
  id: string;
  org_id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string | null;
  created_at: number;
}

export interface ApiTokensTable {
  id: string;
  org_id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface SessionsTable {
  id: string;
  org_id: string;
  user_id: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
}

export interface AgentsTable {
  id: string;
  org_id: string;
  name: string;
  description: string;
  latest_version: number;
  archived: number;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface AgentVersionsTable {
  agent_id: string;
  version: number;
  org_id: string;
  definition: string;
  created_by: string;
  created_at: number;
}

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

export interface AuditEventsTable {
  id: string;
  org_id: string;
  actor: string;
  action: string;
  target: string;
  details: string;
  created_at: number;
}

/** One link of an organization's hash chain of governed records (issue 09). */
export interface GovernedRecordsTable {
  id: string;
  org_id: string;
  seq: number;
  /** `attempt` (a sealed finished attempt) or `tombstone` (a deleted run). */
  kind: string;
  run_id: string;
  attempt_id: string | null;
  agent_id: string;
  hash: string;
  prev_hash: string;
  body: string | null;
  receipt: string;
  key_id: string | null;
  created_at: number;
}

export interface SigningKeysTable {
  id: string;
  org_id: string;
  algorithm: string;
  fingerprint: string;
  public_key_pem: string;
  private_key_encrypted: string;
  /** `active` (one per organization) or `retired` (still verifies what it signed). */
  status: string;
  created_at: number;
  retired_at: number | null;
}

export interface GovernanceSettingsTable {
  org_id: string;
  signing_enabled: number;
  updated_by: string;
  updated_at: number;
}

export interface EvidenceExportsTable {
  id: string;
  org_id: string;
  requested_by: string;
  selection: string;
  status: string;
  runs_total: Generated<number>;
  runs_done: Generated<number>;
  size_bytes: number | null;
  sha256: string | null;
  error: string | null;
  created_at: number;
  finished_at: number | null;
}

export interface KvTable {
  key: string;
  value: string;
}

export interface Database {
  organizations: OrganizationsTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  agents: AgentsTable;
  agent_versions: AgentVersionsTable;
  runs: RunsTable;
  /** `sealed`: 1 once the governed record of this finished attempt is written (issue 09). */
  attempts: AttemptsTable & { sealed: Generated<number> };
  step_results: StepResultsTable;
  run_events: RunEventsTable;
  audit_events: AuditEventsTable;
  kv: KvTable;
  governed_records: GovernedRecordsTable;
  signing_keys: SigningKeysTable;
  governance_settings: GovernanceSettingsTable;
  evidence_exports: EvidenceExportsTable;
}
