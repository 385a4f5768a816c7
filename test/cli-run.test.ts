import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve('bin/agentruns.js');
/** Each CLI call starts Node and tsx: about a second; a hang fails the test instead of CI. */
const CLI_TIMEOUT_MS = 20_000;
const SERVER_START_TIMEOUT_MS = 30_000;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A port nobody listens on now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error()),
      );
    });
  });
}

describe('agentruns CLI against a real server (SQLite)', () => {
  let dataDir: string;
  let port: number;
  let server: ChildProcess;
  let serverOutput = '';
  let env: NodeJS.ProcessEnv;
  let token: string;

  const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        { env: { ...env, ...extraEnv }, timeout: CLI_TIMEOUT_MS, killSignal: 'SIGKILL' },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  const api = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${port}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-cli-'));
    port = await freePort();
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
      AGENTRUNS_URL: `http://127.0.0.1:${port}`,
    };
    server = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout?.on('data', (chunk: Buffer) => {
      serverOutput += chunk.toString();
    });
    server.stderr?.on('data', (chunk: Buffer) => {
      serverOutput += chunk.toString();
    });
    const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`serve exited ${server.exitCode}:\n${serverOutput}`);
      const healthy = await fetch(`http://127.0.0.1:${port}/api/health`, {
        signal: AbortSignal.timeout(1000),
      })
        .then((res) => res.ok)
        .catch(() => false);
      if (healthy) break;
      if (Date.now() > deadline) throw new Error(`serve did not become healthy:\n${serverOutput}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, SERVER_START_TIMEOUT_MS + 5000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGKILL');
      await exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the first administrator once and writes it to data/initial-admin.txt', () => {
    expect(serverOutput).toMatch(/First start: created the administrator admin@localhost with password \S+/);
    const file = fs.readFileSync(path.join(dataDir, 'initial-admin.txt'), 'utf8');
    expect(file).toMatch(/^email: admin@localhost\npassword: \S+\n$/);
  });

  it('prints a new API token as the last word of tokens create', async () => {
    const result = await cli(['tokens', 'create', '--email', 'admin@localhost']);
    expect(result.code, result.stderr).toBe(0);
    token = result.stdout.trim().split(/\s+/).at(-1) ?? '';
    expect(token).toMatch(/^ar_\S{20,}$/);
    const me = await api<{ email: string }>('GET', '/api/me');
    expect(me.email).toBe('admin@localhost');
  });

  it('refuses tokens for an unknown user with exit 66', async () => {
    const result = await cli(['tokens', 'create', '--email', 'nobody@example.com']);
    expect(result.code).toBe(66);
    expect(result.stderr).toContain('user nobody@example.com not found');
  });

  it('runs an agent by name, follows it to the end with progress, and exits 0', async () => {
    const result = await cli(['run', 'Weekly account report', '--var', 'customer=Acme', '--wait'], {
      AGENTRUNS_TOKEN: token,
    });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^Started Weekly account report — Acme \(run_\w+\) \[simulated model\], estimated [\d.]+ credits$/,
    );
    expect(result.stdout).toContain('▸ Step 1 of 3: Gather');
    expect(result.stdout).toMatch(/✓ Step 1 Gather \([\d.]+ credits\)/);
    expect(result.stdout).toMatch(/✓ Step 2 Summarize/);
    expect(result.stdout).toMatch(/✓ Step 3 Report/);
    expect(result.stdout).toMatch(/Completed 3 of 3 steps in [\d.]+s, [\d.]+ credits/);
    expect(result.stdout).toContain('Simulated answer');
  });

  it('lists the run it started', async () => {
    const result = await cli(['runs', 'list'], { AGENTRUNS_TOKEN: token });
    expect(result.code, result.stderr).toBe(0);
    const [header, ...rows] = result.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+NAME\s+UPDATED\s+STEPS$/);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(
      /^run_\w+\s+completed\s+Weekly account report — Acme\s+\d{4}-\d{2}-\d{2} [\d:]+\s+3$/,
    );

    const json = await cli(['runs', 'list', '--json', '--status', 'completed'], { AGENTRUNS_TOKEN: token });
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ status: 'completed', stepCount: 3 })]);
  });

  it('exits 1 and prints the error when the run fails', async () => {
    await api('POST', '/api/agents', {
      name: 'Always fails',
      modelSettings: { model: 'simulated/fail-at-step-2' },
      steps: [
        { name: 'One', prompt: 'first' },
        { name: 'Two', prompt: 'second {{ steps.one.output }}' },
      ],
    });
    const result = await cli(['run', 'always fails', '--wait'], { AGENTRUNS_TOKEN: token });
    expect(result.code, result.stderr + result.stdout).toBe(1);
    expect(result.stdout).toMatch(/✗ Step 2 Two \(.*simulated provider failure at step 2/);
    expect(result.stdout).toContain('Failed at step 2 of 2: Two');
    expect(result.stdout).toContain('Error: step 2 (Two): simulated provider failure at step 2');
  });

  it('exits 64 with a message for a --var that is not name=value', async () => {
    const result = await cli(['run', 'Weekly account report', '--var', 'customer'], {
      AGENTRUNS_TOKEN: token,
    });
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('agentruns: --var: "customer" must look like name=value');
    expect(result.stdout).toBe('');
  });

  it('exits 64 with the server field message for a variable the agent does not have', async () => {
    const result = await cli(
      ['run', 'Weekly account report', '--var', 'customer=Acme', '--var', 'region=EU'],
      {
        AGENTRUNS_TOKEN: token,
      },
    );
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('variables.region: unknown variable');
  });

  it('exits 64 and suggests names for an agent that does not exist', async () => {
    const result = await cli(['run', 'Weekly report'], { AGENTRUNS_TOKEN: token });
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('no agent is named "Weekly report"');
  });

  it('exits 77 without a token and with a wrong one', async () => {
    const none = await cli(['runs', 'list']);
    expect(none.code).toBe(77);
    expect(none.stderr).toContain('AGENTRUNS_TOKEN');
    const wrong = await cli(['runs', 'list'], { AGENTRUNS_TOKEN: 'ar_wrong' });
    expect(wrong.code).toBe(77);
  });

  it('stops on SIGTERM within seconds', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000, 'hung'))]);
    expect(code).toBe(0);
    expect(serverOutput).toContain('SIGTERM: shutting down');
  });
});
