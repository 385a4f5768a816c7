import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeps } from '../src/create-deps.ts';
import { actorForToken } from '../src/identity/api-tokens.ts';
import { bootstrap } from '../src/identity/bootstrap.ts';
import { signIn } from '../src/identity/sessions.ts';
import { loadConfig } from '../src/platform/config.ts';

const BIN = path.resolve('bin/agentruns.js');
const CLI_TIMEOUT_MS = 20_000;

describe('agentruns users add, tokens create, tokens revoke (SQLite)', () => {
  let dataDir: string;
  const env = () => ({ ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' });
  const cli = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        { env: env(), timeout: CLI_TIMEOUT_MS },
        (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
    });
  const withDeps = async <T>(fn: (deps: Awaited<ReturnType<typeof createDeps>>) => Promise<T>) => {
    const config = {
      ...loadConfig({ DATA_DIR: dataDir }),
      examples: false,
      adminPassword: 'the first admin pw',
    };
    const deps = await createDeps(config, { logger: pino({ level: 'silent' }) });
    try {
      return await fn(deps);
    } finally {
      await deps.close();
    }
  };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-cli-users-'));
    await withDeps((deps) => bootstrap(deps));
  });
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('adds a user with a generated password that signs in', async () => {
    const res = await cli(['users', 'add', '--email', 'Runner@Example.com', '--role', 'runner']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/added runner@example\.com \(runner\) as usr_/);
    const password = res.stdout.match(/initial password \(shown once\): (\S+)/)?.[1] ?? '';
    const session = await withDeps((deps) => signIn(deps, 'runner@example.com', password));
    expect(session.actor.role).toBe('runner');
  });

  it('refuses an unknown role with the field named', async () => {
    const res = await cli(['users', 'add', '--email', 'x@example.com', '--role', 'boss']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('role');
  });

  it('creates a token that works and revokes it so it no longer does', async () => {
    const created = await cli(['tokens', 'create', '--email', 'runner@example.com', '--name', 'deploy']);
    expect(created.code).toBe(0);
    const token = created.stdout.trim().split(/\s+/).at(-1) ?? '';
    const id = created.stdout.match(/tok_\w+/)?.[0] ?? '';
    expect(await withDeps((deps) => actorForToken(deps, token))).toMatchObject({ role: 'runner' });
    const revoked = await cli(['tokens', 'revoke', id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked token ${id} "deploy"`);
    expect(await withDeps((deps) => actorForToken(deps, token))).toBeUndefined();
  });

  it('says so when the token to revoke does not exist', async () => {
    const res = await cli(['tokens', 'revoke', 'tok_nope']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('token tok_nope not found');
  });
});
