import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { forkModule } from '../src/platform/fork-module.ts';

const echoModule = new URL('./support/echo-process.ts', import.meta.url);

async function ask(cacheDir: string) {
  const child = await forkModule(echoModule, { cacheDir });
  const answer = once(child, 'message');
  child.send({ hello: 'child' });
  const [message] = (await answer) as [{ echo: unknown; script: string; url: string; typed: number }];
  await once(child, 'exit');
  return message;
}

describe('forkModule', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs a TypeScript module as one bundled file in plain Node, named by its content', async () => {
    // Under the project, as the default cache is, so the bundle's package imports resolve.
    const cacheDir = fs.mkdtempSync(path.join(process.cwd(), 'node_modules', '.cache', 'fork-module-test-'));
    dirs.push(cacheDir);
    const answer = await ask(cacheDir);
    expect(answer.echo).toEqual({ hello: 'child' });
    expect(answer.typed).toBe(1);
    const written = fs.readdirSync(cacheDir);
    const bundles = written.filter((f) => f.endsWith('.mjs'));
    expect(bundles).toEqual([expect.stringMatching(/^echo-process\.[0-9a-f]{12}\.mjs$/)]);
    expect(answer.script).toBe(path.join(cacheDir, bundles[0] as string));
    // Bundled, the module still knows its own source's URL.
    expect(answer.url).toBe(echoModule.href);
    // Asked again, the same bundle runs: nothing new is written.
    await ask(cacheDir);
    expect(fs.readdirSync(cacheDir)).toEqual(written);
  });

  it('runs the module through tsx when its bundle cannot be written', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fork-module-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'a-file'), '');
    // A directory under a file cannot be made (ENOTDIR), even by root.
    const answer = await ask(path.join(dir, 'a-file', 'cache'));
    expect(answer.echo).toEqual({ hello: 'child' });
    expect(answer.script).toBe(fileURLToPath(echoModule));
  });
});
