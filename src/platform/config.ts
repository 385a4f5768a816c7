import path from 'node:path';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** `postgres://…` selects PostgreSQL; unset means SQLite in `dataDir`. */
  databaseUrl: string | undefined;
  /**
   * PostgreSQL: the application's own role (not the tables' owner, no BYPASSRLS), which row-level
   * security holds to one organization per request. Unset: `databaseUrl` as user `agentruns_app`.
   */
  appDatabaseUrl: string | undefined;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  /** Add the example agents on first start (`AGENTRUNS_EXAMPLES=0` skips them). */
  examples: boolean;
  /** Attempts one worker runs at once; model calls are I/O, so this can be high. */
  workerConcurrency: number;
  logLevel: string;
  /** Largest JSON body the API accepts. */
  bodyLimitBytes: number;
  /** The built web UI (`npm run build`); unset means this package's `dist/web`. */
  webDir: string | undefined;
  /**
   * 32 bytes (hex or base64) that encrypt signing keys at rest (AES-256-GCM); unset means a key file
   * created once in `dataDir/keys/` (issue 09).
   */
  keyEncryptionKey: string | undefined;
  /** How deep `agent` steps may nest child runs. */
  childRunDepthLimit: number;
  /** Notifications: `smtp://…` for email, the From address, and the server's public URL for links. */
  smtpUrl: string | undefined;
  mailFrom: string;
  publicUrl: string;
  /** Largest document upload (issue 06). */
  uploadLimitBytes: number;
  /** Largest document whose text is extracted; larger ones are stored but fail extraction. */
  extractLimitBytes: number;
  /** Most bytes a DOCX/XLSX may inflate to (zip bomb guard). */
  unzipLimitBytes: number;
  /**
   * Behind a TLS-terminating proxy: trust its X-Forwarded-Proto/-For, so session cookies are
   * marked Secure and sign-in throttling sees the client's address (`AGENTRUNS_TRUST_PROXY=1`).
   */
  trustProxy: boolean;
  /** Failed sign-ins from one client address within 15 minutes before it is locked out. */
  loginAddressMaxFailures: number;
  /** Model providers configured by the environment (README "Model providers"). */
  models: ModelConfig;
  /** PostgreSQL schema to use instead of the connection's default (`AGENTRUNS_PG_SCHEMA`). */
  pgSchema: string | undefined;
  /** How long a worker's claim holds an attempt without a heartbeat. */
  workerLeaseMs: number;
  /** A worker's fallback poll when no wake-up arrives. */
  workerPollMs: number;
  /** On SIGTERM, how long a worker lets attempts in flight run before handing them back. */
  shutdownGraceMs: number;
  /**
   * How far `serve` and `worker` let V8's heap grow past its live data before collecting, in percent
   * (`AGENTRUNS_HEAP_GROWTH_PERCENT`: `auto`, the default, steers it by how busy the event loop is;
   * a number up to 300 fixes it; 0 leaves V8's own): `platform/heap-growth.ts`.
   */
  heapGrowthPercent: number | 'auto';
  /**
   * Bearer token a Prometheus scraper presents at `/metrics` (`AGENTRUNS_METRICS_TOKEN`); an
   * administrator's token or session works too, and with neither `/metrics` answers 401.
   */
  metricsToken: string | undefined;
  /**
   * `agentruns worker` serves `GET /metrics` on this port (`AGENTRUNS_WORKER_METRICS_PORT`, on
   * `HOST`), with the same token: the step and model-call histograms of its own attempts. Unset: none.
   */
  workerMetricsPort: number | undefined;
  /**
   * Where traces go over OTLP/HTTP: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, or
   * `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`; unset means no tracing.
   */
  otlpTracesUrl: string | undefined;
  /** `OTEL_SERVICE_NAME`, `agentruns` unless set. */
  serviceName: string;
}

/** Hosted providers and the rules every model call follows; keys stay here, never in a constructor. */
export interface ModelConfig {
  openaiApiKey: string | undefined;
  openaiBaseUrl: string | undefined;
  /** Which OpenAI API `openai/…` models use: the Responses API (default) or Chat Completions. */
  openaiApi: 'responses' | 'chat';
  anthropicApiKey: string | undefined;
  anthropicBaseUrl: string | undefined;
  /** A step's model call (all its retries) fails with a timeout after this long, unless the step sets its own. */
  stepTimeoutMs: number;
  /** Tries per model call, the first included, on 429, 5xx and connection failures. */
  maxAttempts: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /**
   * Key that encrypts provider API keys at rest (AES-256-GCM): 64 hex characters or any passphrase
   * (hashed to 32 bytes). Unset: a random key is made once in `DATA_DIR/secret.key`.
   */
  secretKey: string | undefined;
}

function intFrom(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`${name} must be a whole number, got "${value}"`);
  return parsed;
}

function atMost(value: number, most: number, name: string): number {
  if (value > most) throw new Error(`${name} must be at most ${most}, got ${value}`);
  return value;
}

function heapGrowthFrom(value: string | undefined): number | 'auto' {
  const name = 'AGENTRUNS_HEAP_GROWTH_PERCENT';
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (!/^\d+$/.test(value)) throw new Error(`${name} must be auto or a whole number, got "${value}"`);
  return atMost(Number(value), 300, name);
}

/** Reads the environment once, at the composition root; domain code never reads `process.env`. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: intFrom(env.PORT, 3000, 'PORT'),
    host: env.HOST ?? '0.0.0.0',
    dataDir: path.resolve(env.DATA_DIR ?? './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    appDatabaseUrl: env.DATABASE_APP_URL || undefined,
    adminEmail: env.AGENTRUNS_ADMIN_EMAIL || undefined,
    adminPassword: env.AGENTRUNS_ADMIN_PASSWORD || undefined,
    examples: env.AGENTRUNS_EXAMPLES !== '0',
    workerConcurrency: intFrom(env.AGENTRUNS_WORKER_CONCURRENCY, 500, 'AGENTRUNS_WORKER_CONCURRENCY'),
    logLevel: env.LOG_LEVEL ?? 'info',
    bodyLimitBytes: intFrom(env.AGENTRUNS_BODY_LIMIT_BYTES, 1024 * 1024, 'AGENTRUNS_BODY_LIMIT_BYTES'),
    loginAddressMaxFailures: intFrom(
      env.AGENTRUNS_LOGIN_ADDRESS_MAX_FAILURES,
      50,
      'AGENTRUNS_LOGIN_ADDRESS_MAX_FAILURES',
    ),
    trustProxy: env.AGENTRUNS_TRUST_PROXY === '1' || env.AGENTRUNS_TRUST_PROXY === 'true',
    models: {
      openaiApiKey: env.OPENAI_API_KEY || undefined,
      openaiBaseUrl: env.OPENAI_BASE_URL || undefined,
      openaiApi: env.OPENAI_API === 'chat' ? 'chat' : 'responses',
      anthropicApiKey: env.ANTHROPIC_API_KEY || undefined,
      anthropicBaseUrl: env.ANTHROPIC_BASE_URL || undefined,
      stepTimeoutMs: intFrom(env.AGENTRUNS_MODEL_TIMEOUT_MS, 10 * 60_000, 'AGENTRUNS_MODEL_TIMEOUT_MS'),
      maxAttempts: Math.max(1, intFrom(env.AGENTRUNS_MODEL_MAX_ATTEMPTS, 4, 'AGENTRUNS_MODEL_MAX_ATTEMPTS')),
      retryBaseDelayMs: intFrom(env.AGENTRUNS_MODEL_RETRY_BASE_MS, 1000, 'AGENTRUNS_MODEL_RETRY_BASE_MS'),
      retryMaxDelayMs: intFrom(env.AGENTRUNS_MODEL_RETRY_MAX_MS, 60_000, 'AGENTRUNS_MODEL_RETRY_MAX_MS'),
      secretKey: env.AGENTRUNS_SECRET_KEY || undefined,
    },
    uploadLimitBytes: intFrom(
      env.AGENTRUNS_UPLOAD_LIMIT_BYTES,
      512 * 1024 * 1024,
      'AGENTRUNS_UPLOAD_LIMIT_BYTES',
    ),
    extractLimitBytes: intFrom(
      env.AGENTRUNS_EXTRACT_LIMIT_BYTES,
      64 * 1024 * 1024,
      'AGENTRUNS_EXTRACT_LIMIT_BYTES',
    ),
    unzipLimitBytes: intFrom(
      env.AGENTRUNS_UNZIP_LIMIT_BYTES,
      256 * 1024 * 1024,
      'AGENTRUNS_UNZIP_LIMIT_BYTES',
    ),
    childRunDepthLimit: intFrom(env.AGENTRUNS_CHILD_RUN_DEPTH_LIMIT, 5, 'AGENTRUNS_CHILD_RUN_DEPTH_LIMIT'),
    smtpUrl: env.AGENTRUNS_SMTP_URL || undefined,
    mailFrom: env.AGENTRUNS_MAIL_FROM || 'Agent Runs <agentruns@localhost>',
    publicUrl: (env.AGENTRUNS_PUBLIC_URL || `http://localhost:${env.PORT || 3000}`).replace(/\/+$/, ''),
    keyEncryptionKey: env.AGENTRUNS_KEY_ENCRYPTION_KEY || undefined,
    webDir: env.AGENTRUNS_WEB_DIR ? path.resolve(env.AGENTRUNS_WEB_DIR) : undefined,
    pgSchema: env.AGENTRUNS_PG_SCHEMA || undefined,
    workerLeaseMs: Math.max(1, intFrom(env.AGENTRUNS_WORKER_LEASE_MS, 30_000, 'AGENTRUNS_WORKER_LEASE_MS')),
    workerPollMs: Math.max(1, intFrom(env.AGENTRUNS_WORKER_POLL_MS, 1000, 'AGENTRUNS_WORKER_POLL_MS')),
    shutdownGraceMs: intFrom(env.AGENTRUNS_SHUTDOWN_GRACE_MS, 10_000, 'AGENTRUNS_SHUTDOWN_GRACE_MS'),
    heapGrowthPercent: heapGrowthFrom(env.AGENTRUNS_HEAP_GROWTH_PERCENT),
    metricsToken: env.AGENTRUNS_METRICS_TOKEN || undefined,
    workerMetricsPort: env.AGENTRUNS_WORKER_METRICS_PORT
      ? intFrom(env.AGENTRUNS_WORKER_METRICS_PORT, 0, 'AGENTRUNS_WORKER_METRICS_PORT')
      : undefined,
    otlpTracesUrl:
      env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ||
      (env.OTEL_EXPORTER_OTLP_ENDPOINT
        ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`
        : undefined),
    serviceName: env.OTEL_SERVICE_NAME || 'agentruns',
  };
}
