import path from 'node:path';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** `postgres://…` selects PostgreSQL; unset means SQLite in `dataDir`. */
  databaseUrl: string | undefined;
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
}

function intFrom(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`${name} must be a whole number, got "${value}"`);
  return parsed;
}

/** Reads the environment once, at the composition root; domain code never reads `process.env`. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: intFrom(env.PORT, 3000, 'PORT'),
    host: env.HOST ?? '0.0.0.0',
    dataDir: path.resolve(env.DATA_DIR ?? './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    adminEmail: env.AGENTRUNS_ADMIN_EMAIL || undefined,
    adminPassword: env.AGENTRUNS_ADMIN_PASSWORD || undefined,
    examples: env.AGENTRUNS_EXAMPLES !== '0',
    workerConcurrency: intFrom(env.AGENTRUNS_WORKER_CONCURRENCY, 500, 'AGENTRUNS_WORKER_CONCURRENCY'),
    logLevel: env.LOG_LEVEL ?? 'info',
    bodyLimitBytes: intFrom(env.AGENTRUNS_BODY_LIMIT_BYTES, 1024 * 1024, 'AGENTRUNS_BODY_LIMIT_BYTES'),
    webDir: env.AGENTRUNS_WEB_DIR ? path.resolve(env.AGENTRUNS_WEB_DIR) : undefined,
  };
}
