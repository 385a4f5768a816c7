import { createDeps } from '../../create-deps.ts';
import { createApiToken } from '../../identity/api-tokens.ts';
import type { Config } from '../../platform/config.ts';

/** `agentruns tokens create --email E`: prints a new API token as its last word. */
export async function createToken(config: Config, options: { email: string; name: string }): Promise<void> {
  const deps = await createDeps(config, { logger: (await import('pino')).default({ level: 'silent' }) });
  try {
    const { token } = await createApiToken(deps, options.email, options.name);
    console.log(`API token for ${options.email} (shown once, keep it secret): ${token}`);
  } finally {
    await deps.close();
  }
}
