import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createDeps } from '../../src/create-deps.ts';
import type { Actor } from '../../src/identity/actor.ts';
import { bootstrap } from '../../src/identity/bootstrap.ts';
import { loadConfig } from '../../src/platform/config.ts';
import type { StoreKind } from '../../src/store/store-kind.ts';

/**
 * A fresh product for one benchmark round, built by the composition root: a SQLite file in a new
 * temp directory, or a new PostgreSQL schema; bootstrapped, with its administrator as the actor.
 * The caller closes `deps` and removes `dataDir` (and drops `schema`) when done.
 */
export async function openBenchDeps(options: {
  kind: StoreKind;
  postgresUrl: string;
  /** Temp directory name prefix. */
  prefix: string;
  /** Environment the config is read from (model providers). */
  env?: Record<string, string>;
}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), options.prefix));
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const config = {
    ...loadConfig(options.env ?? {}),
    dataDir,
    databaseUrl: options.kind === 'postgres' ? options.postgresUrl : undefined,
    adminEmail: 'bench@example.com',
    adminPassword: 'bench password',
    examples: false,
    logLevel: 'silent',
  };
  const deps = await createDeps(config, {
    logger: pino({ level: process.env.AGENTRUNS_BENCH_LOG_LEVEL ?? 'silent' }),
    storeOptions: { pgSchema: schema },
  });
  try {
    await bootstrap(deps);
    const admin = await deps.store.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
    const actor: Actor = { orgId: admin.org_id, userId: admin.id, role: 'admin' };
    return { deps, actor, dataDir, schema };
  } catch (error) {
    await deps.close();
    throw error;
  }
}
