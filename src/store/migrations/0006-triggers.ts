import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Triggers and notifications (issue 05): schedules and their fires, webhooks and the message ids
 * they received, the notification outbox, and the columns that link a child run to the step of
 * the parent attempt that started it. `attempts.settled` marks a finished attempt whose follow-ups
 * (notifications, waking a waiting parent) have been written; see src/notify/ARCHITECTURE.md.
 */
export function triggersMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('schedules')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('cron', 'text', (c) => c.notNull())
        .addColumn('timezone', 'text', (c) => c.notNull())
        .addColumn('variables', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('overlap', 'text', (c) => c.notNull())
        .addColumn('catch_up', 'text', (c) => c.notNull())
        .addColumn('next_fire_at', 'bigint')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('schedules_agent').on('schedules').columns(['agent_id', 'id']).execute();
      await db.schema
        .createIndex('schedules_due')
        .on('schedules')
        .columns(['enabled', 'next_fire_at'])
        .execute();

      // One row per (schedule, fire time): the key that makes a fire happen once, whoever ticks.
      await db.schema
        .createTable('schedule_fires')
        .addColumn('schedule_id', 'text', (c) => c.notNull().references('schedules.id').onDelete('cascade'))
        .addColumn('fire_at', 'bigint', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('schedule_fires_pk', ['schedule_id', 'fire_at'])
        .execute();

      await db.schema
        .createTable('webhooks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        // Standard Webhooks are symmetric (HMAC): the secret must be kept to verify, not a hash of it.
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('variable_map', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhooks_agent').on('webhooks').columns(['agent_id', 'id']).execute();

      // A message id seen once: a replay of the same signed request hits this key.
      await db.schema
        .createTable('webhook_messages')
        .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('webhook_messages_pk', ['webhook_id', 'message_id'])
        .execute();

      await db.schema
        .createTable('notification_outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('attempt_id', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('tries', 'integer', (c) => c.notNull())
        .addColumn('next_try_at', 'bigint', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('sent_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('notification_outbox_once')
        .on('notification_outbox')
        .columns(['attempt_id', 'channel', 'target'])
        .unique()
        .execute();
      await db.schema
        .createIndex('notification_outbox_due')
        .on('notification_outbox')
        .columns(['status', 'next_try_at'])
        .execute();

      await db.schema.alterTable('runs').addColumn('parent_run_id', 'text').execute();
      await db.schema.alterTable('runs').addColumn('parent_attempt_id', 'text').execute();
      await db.schema.alterTable('runs').addColumn('parent_step', 'integer').execute();
      await db.schema
        .alterTable('runs')
        .addColumn('depth', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // One child per (parent attempt, step): a resumed parent finds its child instead of starting another.
      await db.schema
        .createIndex('runs_parent_step')
        .on('runs')
        .columns(['parent_attempt_id', 'parent_step'])
        .unique()
        .execute();
      await db.schema.createIndex('runs_parent').on('runs').columns(['parent_run_id']).execute();

      await db.schema
        .alterTable('attempts')
        .addColumn('settled', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // Attempts that ended before this migration have nothing to notify.
      await sql`UPDATE attempts SET settled = 1 WHERE status IN ('completed', 'failed', 'canceled')`.execute(
        db,
      );
      // Partial: only attempts not yet settled (a few in flight), so the sweep's scan stays small.
      await sql`CREATE INDEX attempts_unsettled ON attempts (id) WHERE settled = 0`.execute(db);
    },
  };
}
