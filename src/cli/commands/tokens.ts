import { createDeps } from '../../create-deps.ts';
import { createApiToken, revokeToken } from '../../identity/api-tokens.ts';
import type { Config } from '../../platform/config.ts';

async function withDeps<T>(config: Config, fn: (deps: Awaited<ReturnType<typeof createDeps>>) => Promise<T>) {
  const deps = await createDeps(config, { logger: (await import('pino')).default({ level: 'silent' }) });
  try {
    return await fn(deps);
  } finally {
    await deps.close();
  }
}

/** `agentruns tokens create --email E`: prints a new API token as its last word. */
export async function createToken(
  config: Config,
  options: { email: string; name: string; org?: string },
): Promise<void> {
  await withDeps(config, async (deps) => {
    const { id, token } = await createApiToken(deps, options.email, options.name, options.org);
    console.log(
      `API token ${id} "${options.name}" for ${options.email} (shown once, keep it secret): ${token}`,
    );
  });
}

/** `agentruns tokens revoke <id>`: the token stops working at once. */
export async function revokeTokenCommand(config: Config, tokenId: string): Promise<void> {
  await withDeps(config, async (deps) => {
    const token = await revokeToken(deps, undefined, tokenId);
    console.log(`revoked token ${token.id} "${token.name}" at ${token.revokedAt}`);
  });
}

export { withDeps };
