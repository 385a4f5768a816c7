import type { Generated } from 'kysely';

/** Audit log, governed records, signing keys and evidence exports (issue 09). */

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
  /** When the process writing the export last said it was alive (migration 0019). */
  heartbeat_at: number | null;
}
