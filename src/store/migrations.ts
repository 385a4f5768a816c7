import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { coreMigration } from './migrations/0001-core.ts';
import { identityMigration } from './migrations/0003-identity.ts';
import { modelsMigration } from './migrations/0004-models.ts';
import { triggersMigration } from './migrations/0006-triggers.ts';
import { sitesMigration } from './migrations/0007-sites.ts';
import { filesMigration } from './migrations/0009-files.ts';
import { governanceMigration } from './migrations/0010-governance.ts';
import { toolsMigration } from './migrations/0011-tools.ts';
import { benchmarksMigration } from './migrations/0012-benchmarks.ts';
import { tenancyMigration } from './migrations/0013-tenancy.ts';
import { uploadsMigration } from './migrations/0014-uploads.ts';
import { tenantTablesMigration } from './migrations/0016-tenant-tables.ts';
import { toolChildrenMigration } from './migrations/0017-tool-children.ts';
import { runHistoryMigration } from './migrations/0018-run-history.ts';
import { exportHeartbeatMigration } from './migrations/0019-export-heartbeat.ts';
import { runListIndexesMigration } from './migrations/0020-run-list-indexes.ts';
import { credentialLookupsMigration } from './migrations/0021-credential-lookups.ts';
import { usageHistoryMigration } from './migrations/0022-usage-history.ts';
import { tenantPolicyEstimateMigration } from './migrations/0023-tenant-policy-estimate.ts';
import { runSearchOnChangeMigration } from './migrations/0024-run-search-on-change.ts';
import { runParentIndexesPartialMigration } from './migrations/0025-run-parent-indexes-partial.ts';
import { attemptQueueIndexesPartialMigration } from './migrations/0026-attempt-queue-indexes-partial.ts';
import { documentsIndexedVersionMigration } from './migrations/0027-documents-indexed-version.ts';
import type { StoreKind } from './store-kind.ts';

/**
 * One set of migrations for both stores, one file each in `migrations/`, applied in name order.
 * Where SQL differs (full-text search, row-level security) a migration asks which store it runs on;
 * everything else is Kysely's schema builder.
 */
function migrations(kind: StoreKind): Record<string, Migration> {
  return {
    '0001_core': coreMigration(kind),
    '0003_identity': identityMigration(kind),
    '0004_models': modelsMigration(kind),
    '0006_triggers': triggersMigration(),
    '0007_sites': sitesMigration(kind),
    '0009_files': filesMigration(),
    '0010_governance': governanceMigration(kind),
    '0011_tools': toolsMigration(),
    '0012_benchmarks': benchmarksMigration(kind),
    '0013_tenancy': tenancyMigration(kind),
    '0014_uploads': uploadsMigration(),
    '0016_tenant_tables': tenantTablesMigration(kind),
    '0017_tool_children': toolChildrenMigration(),
    '0018_run_history': runHistoryMigration(),
    '0019_export_heartbeat': exportHeartbeatMigration(),
    '0020_run_list_indexes': runListIndexesMigration(),
    '0021_credential_lookups': credentialLookupsMigration(kind),
    '0022_usage_history': usageHistoryMigration(kind),
    '0023_tenant_policy_estimate': tenantPolicyEstimateMigration(kind),
    '0024_run_search_on_change': runSearchOnChangeMigration(kind),
    '0025_run_parent_indexes_partial': runParentIndexesPartialMigration(),
    '0026_attempt_queue_indexes_partial': attemptQueueIndexesPartialMigration(),
    '0027_documents_indexed_version': documentsIndexedVersionMigration(),
  };
}

/** Applies every migration not yet applied; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<unknown>, kind: StoreKind): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(kind) };
  // Kysely looks for its migration tables in every schema unless told which: one other schema of
  // the same database with its own kysely_migration table (another app, a test, a benchmark) made
  // it skip creating ours and then fail on "relation kysely_migration_lock does not exist".
  const migrationTableSchema =
    kind === 'postgres'
      ? (await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db)).rows[0]?.schema
      : undefined;
  const migrator = new Migrator({
    db,
    provider,
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely's table introspection reads every schema of the database; another process dropping a
  // schema mid-query (parallel test suites, benchmarks) fails it with 3F000 "schema does not
  // exist" before any migration ran. Nothing was applied, so trying again is safe.
  for (let retry = 0; retry < 3 && error && results === undefined && isSchemaGone(error); retry++)
    ({ error, results } = await migrator.migrateToLatest());
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${String(error)}`, { cause: error });
  }
}

function isSchemaGone(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '3F000';
}
