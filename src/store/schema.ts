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
  /** Set on a child run (issue 05): the run, attempt and step that started it, and its depth. */
  parent_run_id: string | null;
  parent_attempt_id: string | null;
  parent_step: number | null;
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

export interface KvTable {
  key: string;
  value: string;
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

export interface Database {
  organizations: OrganizationsTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  agents: AgentsTable;
  agent_versions: AgentVersionsTable;
  runs: RunsTable;
  attempts: AttemptsTable;
  step_results: StepResultsTable;
  run_events: RunEventsTable;
  audit_events: AuditEventsTable;
  kv: KvTable;
  schedules: SchedulesTable;
  schedule_fires: ScheduleFiresTable;
  webhooks: WebhooksTable;
  webhook_messages: WebhookMessagesTable;
  notification_outbox: NotificationOutboxTable;
}
