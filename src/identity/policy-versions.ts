import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Deps } from '../deps.ts';
import { appendAudit } from '../governance/audit-log.ts';
import { canonicalJson } from '../governance/digest.ts';
import { NotFoundError } from '../platform/errors.ts';
import { compiledOnce } from '../store/compiled-once.ts';
import { prepared } from '../store/prepared-statements.ts';
import type { Database } from '../store/schema.ts';
import type { Actor } from './actor.ts';
import { defaultPolicy, type Policy, policySchema } from './policy.ts';

/** One version of an organization's policy, as `GET /api/policy` shows it. */
export interface PolicyVersion {
  version: number;
  policy: Policy;
  /** SHA-256 (hex) of the policy's canonical JSON (RFC 8785, JSON Canonicalization Scheme). */
  sha256: string;
  createdBy: string;
  createdAt: string;
}

/** The RFC 8785 form of a policy, so the same policy always hashes the same. */
export function canonicalPolicy(policy: Policy): { json: string; sha256: string } {
  const json = canonicalJson(policy);
  return { json, sha256: createHash('sha256').update(json).digest('hex') };
}

/**
 * Policies parsed, by their SHA-256: a version never changes, and every run created checks the one
 * in force (its schema's parse was most of that check's cost). Callers only read a policy.
 */
const parsedPolicies = new Map<string, Policy>();
const PARSED_POLICIES = 256;

function parsePolicy(row: Pick<Database['policy_versions'], 'policy' | 'sha256'>): Policy {
  const known = parsedPolicies.get(row.sha256);
  if (known) return known;
  const policy = policySchema.parse(JSON.parse(row.policy));
  if (parsedPolicies.size >= PARSED_POLICIES) parsedPolicies.clear();
  parsedPolicies.set(row.sha256, policy);
  return policy;
}

function toView(row: Database['policy_versions']): PolicyVersion {
  return {
    version: row.version,
    policy: parsePolicy(row),
    sha256: row.sha256,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/**
 * The version in force. An organization made before policies existed has version 0, the
 * default policy, until its first change.
 */
export async function currentPolicy(db: Kysely<Database>, orgId: string): Promise<PolicyVersion> {
  const row = await db
    .selectFrom('policy_versions')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toView(row) : versionZero();
}

/** An organization's policy before its first change. */
function versionZero(): PolicyVersion {
  return {
    version: 0,
    policy: defaultPolicy,
    sha256: canonicalPolicy(defaultPolicy).sha256,
    createdBy: 'system',
    createdAt: new Date(0).toISOString(),
  };
}

/**
 * The organization's credit rate and its policy version in force (none yet: nulls): the query, to
 * run or to join with another.
 */
export function policyAndCreditRateQuery(db: Kysely<Database>, orgId: string) {
  return db
    .selectFrom('organizations as o')
    .leftJoin('policy_versions as p', (join) =>
      join.onRef('p.org_id', '=', 'o.id').on('p.version', '=', (eb) =>
        eb
          .selectFrom('policy_versions as latest')
          .select((e) => e.fn.max('latest.version').as('version'))
          .whereRef('latest.org_id', '=', 'o.id'),
      ),
    )
    .select([
      'o.credit_rate',
      'p.org_id',
      'p.version',
      'p.policy',
      'p.sha256',
      'p.created_by',
      'p.created_at',
    ])
    .where('o.id', '=', orgId);
}

/** Every run's create reads it: compiled once, and prepared, so planned once per PostgreSQL connection. */
const policyAndCreditRate = compiledOnce((db: Kysely<Database>, orgId: string) =>
  prepared(policyAndCreditRateQuery(db, orgId)),
);

export interface PolicyAndCreditRate {
  policy: PolicyVersion;
  creditRate: number;
}

/**
 * The version in force and the organization's credit rate, in one statement: creating a run
 * checks the one and prices its estimate with the other.
 */
export async function currentPolicyAndCreditRate(
  db: Kysely<Database>,
  orgId: string,
): Promise<PolicyAndCreditRate> {
  const [row] = await policyAndCreditRate(db, orgId);
  if (!row) throw new NotFoundError('organization', orgId);
  return policyAndCreditRateOf(row);
}

/** A row of `policyAndCreditRateQuery` as the version in force and the rate. */
export function policyAndCreditRateOf(row: {
  credit_rate: number;
  org_id: string | null;
  version: number | null;
  policy: string | null;
  sha256: string | null;
  created_by: string | null;
  created_at: number | null;
}): PolicyAndCreditRate {
  const { credit_rate: creditRate, org_id, version, policy, sha256, created_by, created_at } = row;
  // The LEFT JOIN's columns are all null (no version yet: version 0) or none is.
  const inForce =
    org_id === null ||
    version === null ||
    policy === null ||
    sha256 === null ||
    created_by === null ||
    created_at === null
      ? versionZero()
      : toView({ org_id, version, policy, sha256, created_by, created_at });
  return { policy: inForce, creditRate };
}

/** Writes version `version` of the policy (in the caller's transaction) with its audit event. */
export async function insertPolicyVersion(
  trx: Kysely<Database>,
  deps: Pick<Deps, 'ids'>,
  at: number,
  entry: { orgId: string; version: number; policy: Policy; by: string },
): Promise<PolicyVersion> {
  const { json, sha256 } = canonicalPolicy(entry.policy);
  const row = {
    org_id: entry.orgId,
    version: entry.version,
    policy: json,
    sha256,
    created_by: entry.by,
    created_at: at,
  };
  await trx.insertInto('policy_versions').values(row).execute();
  await appendAudit(trx, deps.ids, at, {
    orgId: entry.orgId,
    actor: entry.by,
    action: 'policy.changed',
    target: `policy:${entry.version}`,
    details: { version: entry.version, sha256 },
  });
  return toView(row);
}

/**
 * `PUT /api/policy`: the whole policy (missing fields take their defaults). A policy equal to the
 * one in force changes nothing and makes no version; any other becomes version n+1. Concurrent
 * changes cannot share a number (primary key); the loser's request fails and can be retried.
 */
export async function putPolicy(
  deps: Pick<Deps, 'store' | 'ids' | 'clock' | 'bus'>,
  actor: Actor,
  policy: Policy,
): Promise<PolicyVersion & { changed: boolean }> {
  const result = await deps.store.transaction(async (trx) => {
    const current = await currentPolicy(trx, actor.orgId);
    if (current.version > 0 && current.sha256 === canonicalPolicy(policy).sha256)
      return { ...current, changed: false };
    const next = await insertPolicyVersion(trx, deps, deps.clock.now(), {
      orgId: actor.orgId,
      version: current.version + 1,
      policy,
      by: actor.userId,
    });
    return { ...next, changed: true };
  });
  if (result.changed) deps.bus.publish('policy', actor.orgId);
  return result;
}

/** Every version, newest first: the browsable history. */
export async function listPolicyVersions(deps: Pick<Deps, 'store'>, actor: Actor): Promise<PolicyVersion[]> {
  const rows = await deps.store.db
    .selectFrom('policy_versions')
    .selectAll()
    .where('org_id', '=', actor.orgId)
    .orderBy('version', 'desc')
    .execute();
  return rows.map(toView);
}

/** Throws NotFoundError when the organization has no such version. */
export async function getPolicyVersionOrThrow(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  version: number,
): Promise<PolicyVersion> {
  const row = await deps.store.db
    .selectFrom('policy_versions')
    .selectAll()
    .where('org_id', '=', actor.orgId)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('policy version', String(version));
  return toView(row);
}
