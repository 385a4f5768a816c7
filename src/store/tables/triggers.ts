/** Schedules, webhooks, notifications and upload triggers (issue 05). */

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
