import type { Kysely, Migration } from 'kysely';

/**
 * Connected tools (issue 07):
 * - `mcp_servers`: an organization's MCP servers, a stdio command or a streamable HTTP URL; the
 *   HTTP headers (tokens) and the command's environment are sealed with the secret box, like
 *   provider API keys.
 * - `tool_calls`: every tool call a step made, in order (`seq` within the step), with its
 *   arguments, result, duration and error; written by the tool loop as each call ends, so the
 *   engine's step commit carries nothing more for a step that calls no tools.
 */
export function toolsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('mcp_servers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('transport', 'text', (c) => c.notNull())
        .addColumn('command', 'text')
        .addColumn('args', 'text', (c) => c.notNull())
        .addColumn('url', 'text')
        .addColumn('secrets', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('mcp_servers_org_name')
        .on('mcp_servers')
        .columns(['org_id', 'name'])
        .unique()
        .execute();
      await db.schema
        .createTable('tool_calls')
        .addColumn('attempt_id', 'text', (c) => c.notNull())
        .addColumn('step_number', 'integer', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('tool', 'text', (c) => c.notNull())
        .addColumn('arguments', 'text', (c) => c.notNull())
        .addColumn('result', 'text')
        .addColumn('error', 'text')
        .addColumn('refused_by', 'text')
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('tool_calls_pk', ['attempt_id', 'step_number', 'seq'])
        .execute();
      await db.schema.createIndex('tool_calls_run').on('tool_calls').columns(['run_id']).execute();
    },
  };
}
