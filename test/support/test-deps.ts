import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { createTemplates } from '../../src/agents/templates.ts';
import { createQueueStore } from '../../src/create-deps.ts';
import type { Deps } from '../../src/deps.ts';
import type { Actor, Role } from '../../src/identity/actor.ts';
import { createApiToken } from '../../src/identity/api-tokens.ts';
import { bootstrap } from '../../src/identity/bootstrap.ts';
import { hashPassword } from '../../src/identity/passwords.ts';
import type { ModelProvider } from '../../src/models/model-provider.ts';
import { createModelRegistry } from '../../src/models/model-registry.ts';
import { createNamedProviderSource } from '../../src/models/named-providers.ts';
import { createPriceBook } from '../../src/models/price-book.ts';
import { createSecretBox } from '../../src/models/secret-box.ts';
import { createSimulatedProvider } from '../../src/models/simulated-provider.ts';
import { createUsageHistoryBook } from '../../src/models/usage-history.ts';
import { instrumentModels, instrumentQueue } from '../../src/observability/instrument.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { createTracing } from '../../src/observability/tracing.ts';
import { type Clock, createSystemClock } from '../../src/platform/clock.ts';
import { type Config, loadConfig, type ModelConfig } from '../../src/platform/config.ts';
import { createEventBus } from '../../src/platform/event-bus.ts';
import { createIds } from '../../src/platform/ids.ts';
import { createDiskBlobStore } from '../../src/store/blob-store.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { StoreKind } from '../../src/store/store-kind.ts';
import { hasPostgres, POSTGRES_URL } from './environment.ts';

/** The stores every store-touching suite runs against: `describe.each(storeKinds)`. */
export const storeKinds: StoreKind[] = hasPostgres ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDeps extends Deps {
  admin: Actor;
  adminEmail: string;
  adminPassword: string;
  /** A bearer token of the administrator. */
  token: string;
  /** The PostgreSQL schema of this store (child processes join it with `AGENTRUNS_PG_SCHEMA`). */
  pgSchema: string;
  /** Adds a user of `role` to the admin's organization and returns it with a token. */
  addUser(role: Role): Promise<{ actor: Actor; token: string; email: string }>;
  close(): Promise<void>;
}

export interface TestDepsOptions {
  clock?: Clock;
  /** Extra model providers (e.g. a recording one); the simulated one is always there. */
  providers?: (clock: Clock) => ModelProvider[];
  bodyLimitBytes?: number;
  /** Model call rules (timeouts, retry delays) other than the defaults. */
  models?: Partial<ModelConfig>;
  /** Config values to override (e.g. Sites' upload and unzip limits). */
  config?: Partial<Config>;
}

/**
 * A fresh store of `kind` (SQLite in a temp dir, or a new PostgreSQL schema), bootstrapped with
 * an organization, an administrator and a token, and no example agents.
 */
export async function createTestDeps(kind: StoreKind, options: TestDepsOptions = {}): Promise<TestDeps> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-test-'));
  const adminPassword = 'correct horse battery staple';
  const config = {
    ...loadConfig({}),
    ...options.config,
    dataDir,
    databaseUrl: kind === 'postgres' ? POSTGRES_URL : undefined,
    adminEmail: 'admin@example.com',
    adminPassword,
    examples: false,
    ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
  };
  config.models = { ...config.models, ...options.models };
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    sqlitePath: path.join(dataDir, 'agentruns.db'),
    pgSchema: schema,
    poolSize: 5,
  });
  const clock = options.clock ?? createSystemClock();
  const secrets = createSecretBox(randomBytes(32));
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  // Wired as `create-deps.ts` wires them: metrics always, traces when an OTLP endpoint is set.
  const metrics = createMetrics({ store, clock });
  const tracing = createTracing({
    url: config.otlpTracesUrl,
    serviceName: config.serviceName,
    exportDelayMs: 100,
  });
  const deps: Deps = {
    config,
    store,
    queue: instrumentQueue(createQueueStore(store, logger), metrics),
    blobs: createDiskBlobStore(path.join(dataDir, 'blobs')),
    clock,
    ids: createIds(clock.now),
    bus: createEventBus(),
    logger,
    models: instrumentModels(
      createModelRegistry([createSimulatedProvider(clock), ...(options.providers?.(clock) ?? [])], {
        named: createNamedProviderSource({ store }, secrets),
      }),
      metrics,
      tracing,
    ),
    templates: createTemplates(),
    secrets,
    pricing: createPriceBook({ store, clock }),
    usageHistory: createUsageHistoryBook({ store, clock }),
    metrics,
    ...(tracing.enabled ? { tracing } : {}),
  };
  await bootstrap(deps);
  const admin = await deps.store.db
    .selectFrom('users')
    .selectAll()
    .where('email', '=', config.adminEmail)
    .executeTakeFirstOrThrow();
  const { token } = await createApiToken(deps, config.adminEmail);
  let users = 0;
  return {
    ...deps,
    admin: { orgId: admin.org_id, userId: admin.id, role: 'admin' },
    adminEmail: config.adminEmail,
    adminPassword,
    token,
    pgSchema: schema,
    async addUser(role) {
      const email = `${role}${++users}@example.com`;
      const id = deps.ids.next('usr');
      await deps.store.db
        .insertInto('users')
        .values({
          id,
          org_id: admin.org_id,
          email,
          name: role,
          role,
          password_hash: await hashPassword('password'),
          created_at: clock.now(),
        })
        .execute();
      const created = await createApiToken(deps, email);
      return { actor: { orgId: admin.org_id, userId: id, role }, token: created.token, email };
    },
    async close() {
      await tracing.shutdown();
      await store.close();
      if (kind === 'postgres') {
        const client = new pg.Client({ connectionString: POSTGRES_URL });
        await client.connect();
        await client.query(`DROP SCHEMA ${schema} CASCADE`);
        await client.end();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A three-step agent like the SPEC's example. */
export const reportAgent = {
  name: 'Weekly account report',
  variables: [
    { name: 'customer', type: 'string', required: true },
    { name: 'period', type: 'string', default: 'last 7 days' },
  ],
  modelSettings: { model: 'simulated/default', reasoningEffort: 'low' },
  steps: [
    { name: 'Gather', prompt: 'List the facts about {{ vars.customer }} for {{ vars.period }}.' },
    {
      name: 'Summarize',
      prompt: 'Summarize: {{ steps.gather.output }}',
      modelSettings: { reasoningEffort: 'high' },
    },
    { name: 'Report', prompt: 'Write the report from {{ steps.summarize.output }}.' },
  ],
  notification: { on: 'failure', email: ['ops@example.com'] },
} as const;

/**
 * Creates the report agent (on `model`, default the simulated one) and a run of it for Acme,
 * started unless `start` is false: the opening of most scenario tests.
 */
export async function createReportRun(
  deps: TestDeps,
  options: { model?: string; start?: boolean; customer?: string } = {},
) {
  const { createAgent } = await import('../../src/agents/agent-service.ts');
  const { createRun } = await import('../../src/runs/create-run.ts');
  const agent = await createAgent(deps, deps.admin, {
    ...reportAgent,
    modelSettings: { model: options.model ?? 'simulated/default' },
  });
  const run = await createRun(
    deps,
    deps.admin,
    agent.id,
    { variables: { customer: options.customer ?? 'Acme' }, start: options.start ?? true },
    { kind: 'manual', by: deps.admin.userId },
  );
  return { agent, run };
}

/** The administrator's organization's governed records, in chain order. */
export function governedRecords(deps: TestDeps) {
  return deps.store.db
    .selectFrom('governed_records')
    .selectAll()
    .where('org_id', '=', deps.admin.orgId)
    .orderBy('seq')
    .execute();
}
