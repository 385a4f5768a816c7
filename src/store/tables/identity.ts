/** Organizations, users, sign-in, policy (issue 02) and the key-value table. */

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

export interface KvTable {
  key: string;
  value: string;
}
