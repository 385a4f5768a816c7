import type { Kysely, Migration } from 'kysely';
import type { StoreKind } from '../store-kind.ts';

/** Named model providers (keys sealed), versioned price tables, and each run's credit estimate. */
export function modelsMigration(_kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('model_providers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('base_url', 'text', (c) => c.notNull())
        .addColumn('api_key_sealed', 'text')
        .addColumn('api_key_last4', 'text')
        .addColumn('headers_sealed', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('model_providers_org_name')
        .on('model_providers')
        .columns(['org_id', 'name'])
        .unique()
        .execute();

      await db.schema
        .createTable('price_tables')
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('prices', 'text', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('price_tables_pk', ['org_id', 'version'])
        .execute();

      await db.schema
        .createTable('run_estimates')
        .addColumn('run_id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('agent_version', 'integer', (c) => c.notNull())
        .addColumn('credits', 'double precision', (c) => c.notNull())
        .addColumn('credits_low', 'double precision', (c) => c.notNull())
        .addColumn('credits_high', 'double precision', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('run_estimates_agent')
        .on('run_estimates')
        .columns(['org_id', 'agent_id', 'run_id'])
        .execute();
    },
  };
}
