import path from 'node:path';
import pino, { type Logger } from 'pino';
import { createTemplates } from './agents/templates.ts';
import type { Deps } from './deps.ts';
import { envProviders } from './models/env-providers.ts';
import { createModelHttpAgent } from './models/idle-stack-pool.ts';
import { createModelRegistry } from './models/model-registry.ts';
import { createNamedProviderSource } from './models/named-providers.ts';
import { createPriceBook } from './models/price-book.ts';
import { createSecretBox, loadSecretKey } from './models/secret-box.ts';
import { createSimulatedProvider } from './models/simulated-provider.ts';
import { createUsageHistoryBook } from './models/usage-history.ts';
import { instrumentModels, instrumentQueue } from './observability/instrument.ts';
import { createMetrics } from './observability/metrics.ts';
import { createTracing } from './observability/tracing.ts';
import { type Clock, createSystemClock } from './platform/clock.ts';
import type { Config } from './platform/config.ts';
import { createEventBus } from './platform/event-bus.ts';
import { createIds, type Ids } from './platform/ids.ts';
import { createPostgresEventBus, notifyChannelFor } from './platform/postgres-event-bus.ts';
import { createPostgresQueueStore } from './queue/postgres-queue-store.ts';
import type { AttemptCommit, QueueStore } from './queue/queue-store.ts';
import { createSqliteQueueStore } from './queue/sqlite-queue-store.ts';
import { createDiskBlobStore } from './store/blob-store.ts';
import { openStore, type Store, type StoreOptions } from './store/open-store.ts';

export interface DepsOverrides {
  clock?: Clock;
  ids?: Ids;
  logger?: Logger;
  /** Store options beyond the config's (a SQLite file or a PostgreSQL schema for tests). */
  storeOptions?: Partial<StoreOptions>;
}

/** The composition root: builds every dependency once, from the config. */
export async function createDeps(
  config: Config,
  overrides: DepsOverrides = {},
): Promise<Deps & { close(): Promise<void> }> {
  const clock = overrides.clock ?? createSystemClock();
  const ids = overrides.ids ?? createIds(clock.now);
  const logger = overrides.logger ?? pino({ level: config.logLevel });
  const pgSchema = overrides.storeOptions?.pgSchema ?? config.pgSchema;
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    appDatabaseUrl: config.appDatabaseUrl,
    sqlitePath: path.join(config.dataDir, 'agentruns.db'),
    ...(pgSchema ? { pgSchema } : {}),
    ...overrides.storeOptions,
  });
  for (const warning of store.warnings) logger.warn(warning);
  const secrets = createSecretBox(loadSecretKey(config.models.secretKey, config.dataDir));
  const metrics = createMetrics({ store, clock });
  // Every named provider's calls share one agent, one pool per origin, closed with the rest.
  const modelHttp = createModelHttpAgent();
  const tracing = createTracing({ url: config.otlpTracesUrl, serviceName: config.serviceName });
  const models = instrumentModels(
    createModelRegistry([createSimulatedProvider(clock), ...envProviders(config.models)], {
      named: createNamedProviderSource({ store }, secrets, modelHttp),
      now: clock.now,
    }),
    metrics,
    tracing,
  );
  // On PostgreSQL the bus spans processes (LISTEN/NOTIFY); on SQLite there is one process.
  const bus =
    store.kind === 'postgres' && config.databaseUrl
      ? createPostgresEventBus({
          connectionString: config.databaseUrl,
          channel: notifyChannelFor(pgSchema),
          logger,
        })
      : undefined;
  return {
    config,
    store,
    queue: instrumentQueue(createQueueStore(store, logger), metrics),
    blobs: createDiskBlobStore(path.join(config.dataDir, 'blobs')),
    clock,
    ids,
    bus: bus ?? createEventBus(),
    logger,
    models,
    templates: createTemplates(),
    secrets,
    pricing: createPriceBook({ store, clock }),
    usageHistory: createUsageHistoryBook({ store, clock }),
    metrics,
    ...(tracing.enabled ? { tracing } : {}),
    close: async () => {
      await tracing.shutdown().catch(() => undefined);
      await bus?.close();
      // Destroyed, not closed: a call still waiting on a model that hangs must not hold this up.
      await modelHttp.destroy();
      await store.close();
    },
  };
}

export function createQueueStore(store: Store, logger: Logger): QueueStore {
  const onCommitError = (commit: AttemptCommit, error: unknown) =>
    logger.error({ err: error, attemptId: commit.attemptId }, 'step commit refused');
  return store.kind === 'sqlite'
    ? createSqliteQueueStore(store, onCommitError)
    : createPostgresQueueStore(store, onCommitError);
}
