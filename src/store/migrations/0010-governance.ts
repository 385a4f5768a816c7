import { type Kysely, type Migration, sql } from 'kysely';
import type { StoreKind } from '../store-kind.ts';

/**
 * Governance (issue 09): governed records (the per-organization hash chain), signing keys and the
 * organization's signing setting, evidence export jobs. Finished attempts carry a `sealed` flag:
 * an attempt whose final status is committed and whose flag is 0 is itself the outbox entry the
 * sealer works from, so the seal cannot be lost between the engine's commit and the seal.
 */
export function governanceMigration(_kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('governed_records')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('attempt_id', 'text')
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        // The canonical JSON (RFC 8785) whose SHA-256 is `hash`; null once its run was deleted
        // (a signed tombstone then lists the hash, so the chain still verifies).
        .addColumn('body', 'text')
        .addColumn('receipt', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        // Two writers can never fork the chain: the second one's insert of the same seq fails.
        .addUniqueConstraint('governed_records_org_seq', ['org_id', 'seq'])
        .execute();
      await db.schema
        .createIndex('governed_records_run')
        .on('governed_records')
        .columns(['run_id', 'seq'])
        .execute();
      await db.schema
        .createIndex('governed_records_attempt')
        .on('governed_records')
        .columns(['attempt_id'])
        .unique()
        .execute();

      await db.schema
        .createTable('signing_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('algorithm', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull().unique())
        .addColumn('public_key_pem', 'text', (c) => c.notNull())
        // AES-256-GCM: base64url of iv (12) | tag (16) | ciphertext of the PKCS#8 DER.
        .addColumn('private_key_encrypted', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('retired_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('signing_keys_org')
        .on('signing_keys')
        .columns(['org_id', 'status'])
        .execute();

      await db.schema
        .createTable('governance_settings')
        .addColumn('org_id', 'text', (c) => c.primaryKey())
        .addColumn('signing_enabled', 'integer', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('evidence_exports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('selection', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('runs_total', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('runs_done', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('size_bytes', 'bigint')
        .addColumn('sha256', 'text')
        .addColumn('error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('evidence_exports_org')
        .on('evidence_exports')
        .columns(['org_id', 'id'])
        .execute();

      await db.schema
        .alterTable('attempts')
        .addColumn('sealed', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // Only finished, unsealed attempts are in this index: the sealer's sweep reads a handful of
      // rows however many million attempts the table holds.
      await sql`CREATE INDEX attempts_unsealed ON attempts (id) WHERE sealed = 0 AND status IN ('completed', 'failed', 'canceled')`.execute(
        db,
      );
      await db.schema
        .createIndex('audit_events_org_time')
        .on('audit_events')
        .columns(['org_id', 'created_at'])
        .execute();
    },
  };
}
