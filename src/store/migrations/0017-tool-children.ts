import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Connected tools made durable (issue 07, second pass):
 * - `runs.parent_tool_call`: on a child run the `invoke_agent` tool started, which call of its
 *   parent step it answers (`<ordinal>:<sha256 of the call's agent and variables>`); null on the
 *   child of an `agent` step. A parent attempt taken over mid-call repeats the step, makes the same
 *   call and finds that child by (parent attempt, step, call) instead of starting another, the way
 *   an `agent` step finds its child by (parent attempt, step).
 * - The one-child-per-(attempt, step) index of 0006 now holds for `agent` steps only (a tool step
 *   may invoke several agents); a second unique index holds one child per tool call.
 * - `mcp_servers.allow_private_addresses`: 1 when an administrator registered a streamable HTTP
 *   server on a loopback, link-local or private address on purpose (self-hosted servers often are);
 *   otherwise the pool refuses to connect there, as `http_request` does.
 *
 * Numbered 0017, not the free 0015: Kysely refuses a migration that sorts before one already applied.
 */
export function toolChildrenMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('runs').addColumn('parent_tool_call', 'text').execute();
      await db.schema.dropIndex('runs_parent_step').execute();
      await db.schema
        .createIndex('runs_parent_step')
        .on('runs')
        .columns(['parent_attempt_id', 'parent_step'])
        .unique()
        .where(sql.ref('parent_tool_call'), 'is', null)
        .execute();
      await db.schema
        .createIndex('runs_parent_tool_call')
        .on('runs')
        .columns(['parent_attempt_id', 'parent_step', 'parent_tool_call'])
        .unique()
        .execute();
      await db.schema
        .alterTable('mcp_servers')
        .addColumn('allow_private_addresses', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  };
}
