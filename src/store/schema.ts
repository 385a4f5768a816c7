import type { Generated } from 'kysely';
import type { AgentsTable, AgentVersionsTable } from './tables/agents.ts';
import type {
  BenchmarkResultsTable,
  BenchmarksTable,
  DatasetRunItemsTable,
  DatasetRunsTable,
} from './tables/benchmarks.ts';
import type {
  AuditEventsTable,
  EvidenceExportsTable,
  GovernanceSettingsTable,
  GovernedRecordsTable,
  SigningKeysTable,
} from './tables/governance.ts';
import type {
  ApiTokensTable,
  KvTable,
  LoginThrottleTable,
  OrganizationsTable,
  PolicyVersionsTable,
  SessionsTable,
  UsersTable,
} from './tables/identity.ts';
import type { ModelProvidersTable, PriceTablesTable } from './tables/models.ts';
import type {
  AttemptsTable,
  FilesTable,
  RunEstimatesTable,
  RunEventsTable,
  RunsTable,
  StepResultsTable,
  UsageHistoryTable,
} from './tables/runs.ts';
import type {
  ChunksTable,
  DocumentsTable,
  DocumentVersionsTable,
  SitesTable,
  StepSourcesTable,
} from './tables/sites.ts';
import type { McpServersTable, ToolCallsTable } from './tables/tools.ts';
import type {
  NotificationOutboxTable,
  ScheduleFiresTable,
  SchedulesTable,
  UploadTriggersTable,
  WebhookMessagesTable,
  WebhooksTable,
} from './tables/triggers.ts';

export type * from './tables/agents.ts';
export type * from './tables/benchmarks.ts';
export type * from './tables/governance.ts';
export type * from './tables/identity.ts';
export type * from './tables/models.ts';
export type * from './tables/runs.ts';
export type * from './tables/sites.ts';
export type * from './tables/tools.ts';
export type * from './tables/triggers.ts';

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
  usage_history: UsageHistoryTable;
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
