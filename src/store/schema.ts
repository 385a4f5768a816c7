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
 * - file: a file a step generated; its bytes are the blob with its SHA-256.
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

export interface AuditEventsTable {
  id: string;
  org_id: string;
  actor: string;
  action: string;
  target: string;
  details: string;
  created_at: number;
}

/** Failed sign-ins per `email:<address>` and per `ip:<address>` (issue 02). */
export interface LoginThrottleTable {
  key: string;
  failures: number;
  window_started_at: number;
  locked_until: number | null;
}

/** Every version of an organization's policy; the highest is in force (issue 02). */
export interface PolicyVersionsTable {
  org_id: string;
  version: number;
  /** The policy as canonical JSON (RFC 8785); `sha256` is its digest. */
  policy: string;
  sha256: string;
  created_by: string;
  created_at: number;
}

/** A named OpenAI-compatible endpoint of an organization (issue 03); secrets sealed with AES-256-GCM. */
export interface ModelProvidersTable {
  id: string;
  org_id: string;
  name: string;
  kind: string;
  base_url: string;
  api_key_sealed: string | null;
  api_key_last4: string | null;
  headers_sealed: string | null;
  created_by: string;
  created_at: number;
  updated_at: number;
}

/** One version of an organization's model prices (the shipped defaults are version 0, in code). */
export interface PriceTablesTable {
  org_id: string;
  version: number;
  prices: string;
  note: string;
  created_by: string;
  created_at: number;
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

/** Sites (issue 06): a collection of documents that runs use as source context. */
export interface SitesTable {
  id: string;
  org_id: string;
  name: string;
  description: string;
  archived: number;
  upload_agent_id: string | null;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface SchedulesTable {
  id: string;
  org_id: string;
  agent_id: string;
  name: string;
  cron: string;
  timezone: string;
  variables: string;
  enabled: number;
  overlap: string;
  catch_up: string;
  next_fire_at: number | null;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface DocumentsTable {
  id: string;
  org_id: string;
  site_id: string;
  name: string;
  latest_version: number;
  indexed_version_id: string | null;
  deleted_at: number | null;
  created_by: string;
  created_at: number;
  updated_at: number;
}

/** One upload of a document, by content; `status` is its extraction: queued, extracting, ready, failed. */
export interface DocumentVersionsTable {
  id: string;
  org_id: string;
  site_id: string;
  document_id: string;
  number: number;
  file_name: string;
  sha256: string;
  size_bytes: number;
  media_type: string;
  status: string;
  error: string | null;
  text_sha256: string | null;
  text_chars: number | null;
  chunk_count: number | null;
  lease_expires_at: number | null;
  created_by: string;
  created_at: number;
  extracted_at: number | null;
}

export interface ChunksTable {
  /** Generated by the database (FTS5 addresses chunks by integer rowid). */
  id: Generated<number>;
  org_id: string;
  site_id: string;
  document_id: string;
  version_id: string;
  idx: number;
  start_char: number;
  end_char: number;
  text: string;
}

/** The chunks a step used, in the order it cited them (rank 1 = [1]). */
export interface StepSourcesTable {
  attempt_id: string;
  step_number: number;
  rank: number;
  org_id: string;
  run_id: string;
  site_id: string;
  document_id: string;
  version_id: string;
  chunk_id: number;
  score: number;
  query: string;
  created_at: number;
}

/** An organization's MCP server (issue 07); `secrets` is sealed JSON `{ headers, env }`. */
export interface McpServersTable {
  id: string;
  org_id: string;
  name: string;
  transport: string;
  command: string | null;
  /** JSON string[]: the stdio command's arguments. */
  args: string;
  url: string | null;
  secrets: string | null;
  /** 1: an administrator allowed this HTTP server on a loopback, link-local or private address (0017). */
  allow_private_addresses: number;
  created_by: string;
  created_at: number;
}

/** One tool call of a step, in call order (`seq`); `refused_by` names the rule that refused it. */
export interface ToolCallsTable {
  attempt_id: string;
  step_number: number;
  seq: number;
  org_id: string;
  run_id: string;
  tool: string;
  /** JSON. */
  arguments: string;
  /** JSON, or null when the call failed. */
  result: string | null;
  error: string | null;
  refused_by: string | null;
  started_at: number;
  duration_ms: number;
}

export interface ScheduleFiresTable {
  schedule_id: string;
  fire_at: number;
  org_id: string;
  /** `started`, `queued` (waiting for the previous run, then `started`) or `skipped`. */
  outcome: string;
  run_id: string | null;
  created_at: number;
}

export interface WebhooksTable {
  id: string;
  org_id: string;
  agent_id: string;
  name: string;
  secret: string;
  variable_map: string;
  enabled: number;
  created_by: string;
  created_at: number;
}

export interface WebhookMessagesTable {
  webhook_id: string;
  message_id: string;
  run_id: string;
  received_at: number;
}

export interface NotificationOutboxTable {
  id: string;
  org_id: string;
  run_id: string;
  attempt_id: string;
  channel: string;
  target: string;
  payload: string;
  /** `pending`, `sent` or `dead` (gave up after the last try). */
  status: string;
  tries: number;
  next_try_at: number;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

/** T3: an upload to a Site with an upload agent, and the run it started (migration 0014). */
export interface UploadTriggersTable {
  version_id: string;
  org_id: string;
  site_id: string;
  document_id: string;
  agent_id: string;
  uploaded_by: string;
  /** `waiting` (for the version's extraction), `started` (run_id set) or `failed` (error set). */
  status: string;
  run_id: string | null;
  error: string | null;
  tries: number;
  /** A process that claimed the row holds it until then; one that died is replaced after it. */
  claimed_until: number | null;
  created_at: number;
  updated_at: number;
}

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
  login_throttle: LoginThrottleTable;
  policy_versions: PolicyVersionsTable;
  files: FilesTable;
  model_providers: ModelProvidersTable;
  price_tables: PriceTablesTable;
  run_estimates: RunEstimatesTable;
  sites: SitesTable;
  documents: DocumentsTable;
  document_versions: DocumentVersionsTable;
  chunks: ChunksTable;
  step_sources: StepSourcesTable;
  schedules: SchedulesTable;
  schedule_fires: ScheduleFiresTable;
  webhooks: WebhooksTable;
  webhook_messages: WebhookMessagesTable;
  notification_outbox: NotificationOutboxTable;
  upload_triggers: UploadTriggersTable;
  governed_records: GovernedRecordsTable;
  signing_keys: SigningKeysTable;
  governance_settings: GovernanceSettingsTable;
  evidence_exports: EvidenceExportsTable;
  benchmarks: BenchmarksTable;
  benchmark_results: BenchmarkResultsTable;
  dataset_runs: DatasetRunsTable;
  dataset_run_items: DatasetRunItemsTable;
  mcp_servers: McpServersTable;
  tool_calls: ToolCallsTable;
}
