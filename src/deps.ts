import type { Logger } from 'pino';
import type { Templates } from './agents/templates.ts';
import type { ModelRegistry } from './models/model-registry.ts';
import type { PriceBook } from './models/price-book.ts';
import type { SecretBox } from './models/secret-box.ts';
import type { UsageHistoryBook } from './models/usage-history.ts';
import type { Metrics } from './observability/metrics.ts';
import type { Tracing } from './observability/tracing.ts';
import type { Clock } from './platform/clock.ts';
import type { Config } from './platform/config.ts';
import type { EventBus } from './platform/event-bus.ts';
import type { Ids } from './platform/ids.ts';
import type { QueueStore } from './queue/queue-store.ts';
import type { BlobStore } from './store/blob-store.ts';
import type { Store } from './store/open-store.ts';

/** Everything injected, built once in `create-deps.ts` (the composition root) or by a test. */
export interface Deps {
  config: Config;
  store: Store;
  queue: QueueStore;
  blobs: BlobStore;
  clock: Clock;
  ids: Ids;
  bus: EventBus;
  logger: Logger;
  models: ModelRegistry;
  templates: Templates;
  /** Each organization's current model prices. */
  pricing: PriceBook;
  /** Each agent version's usage history, which estimates read. */
  usageHistory: UsageHistoryBook;
  /** Seals provider API keys at rest (AES-256-GCM). */
  secrets: SecretBox;
  /** Prometheus metrics (`GET /metrics`); absent in tests and benchmarks that do not look. */
  metrics?: Metrics;
  /** OpenTelemetry traces of attempts and model calls; absent or disabled means no spans. */
  tracing?: Tracing;
}
