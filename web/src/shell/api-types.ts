/**
 * The API's shapes, imported as types from the server's own modules so the UI and the server
 * cannot drift apart; nothing here reaches the bundle.
 */
export type {
  AgentDefinition,
  ModelSettings,
  ModelSettingsPatch,
  Notification,
  ReasoningEffort,
  VariableDefinition,
  VariableType,
} from '../../../src/agents/agent-definition.ts';
export type { AgentListItem, AgentVersionView, AgentView } from '../../../src/agents/agent-service.ts';
export type { RunStatus } from '../../../src/engine/statuses.ts';
export type { Role } from '../../../src/identity/actor.ts';
export type { TokenListItem as ApiTokenView } from '../../../src/identity/api-tokens.ts';
export type { AttemptView } from '../../../src/runs/get-run.ts';
export type { RunVariable } from '../../../src/runs/resolve-variables.ts';
export type { RunDetails, RunSummary, StepView } from '../../../src/runs/run-view.ts';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Me {
  id: string;
  email: string;
  name: string;
  role: import('../../../src/identity/actor.ts').Role;
  orgId: string;
}

export interface BulkResult {
  action: string;
  results: Array<
    | { id: string; ok: true; status: string }
    | { id: string; ok: false; error: { code: string; status: number; message: string } }
  >;
}

// Connected tools (issue 07).
export type { OutputFormat, ToolSettings } from '../../../src/agents/agent-definition.ts';
export type { BenchmarkInput, Criterion, ReferenceCase } from '../../../src/benchmarks/benchmark-config.ts';
export type { BenchmarkDashboard, VersionAggregate } from '../../../src/benchmarks/benchmark-dashboard.ts';
export type { BenchmarkResultView } from '../../../src/benchmarks/benchmark-results.ts';
export type { BenchmarkView } from '../../../src/benchmarks/benchmark-service.ts';
export type { DatasetRunView } from '../../../src/benchmarks/dataset-runs.ts';
export type { ExportView } from '../../../src/governance/evidence-export.ts';
export type { ActivityItem } from '../../../src/governance/governance-activity.ts';
export type { Policy } from '../../../src/identity/policy.ts';
export type { PolicyVersion } from '../../../src/identity/policy-versions.ts';
export type { UserView } from '../../../src/identity/users.ts';
// Settings, Sites, triggers and governance (issue 04's pages).
export type { NamedProviderView } from '../../../src/models/named-providers.ts';
export type { PriceEntry, PriceTable } from '../../../src/models/price-table.ts';
export type { SiteListItem } from '../../../src/sites/site-service.ts';
export type {
  DocumentView,
  ExtractionStatus,
  SiteDetails,
  SiteView,
} from '../../../src/sites/site-view.ts';
export type { McpToolInfo } from '../../../src/tools/mcp-pool.ts';
export type { McpServerView } from '../../../src/tools/mcp-servers.ts';
export type { BuiltInToolName } from '../../../src/tools/tool-names.ts';
export type { ScheduleView } from '../../../src/triggers/schedule-service.ts';
export type { WebhookView } from '../../../src/triggers/webhook-service.ts';
