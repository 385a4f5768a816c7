import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundleSources } from '../src/platform/bundle-sources.js';

describe('bundleSources', () => {
  let dir: string;
  let cacheDir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-bundle-'));
    cacheDir = path.join(dir, 'cache');
    fs.mkdirSync(path.join(dir, 'a'));
    fs.mkdirSync(path.join(dir, 'b'));
    fs.writeFileSync(path.join(dir, 'a', 'greeting.txt'), 'hello from a');
    fs.writeFileSync(
      path.join(dir, 'a', 'name.ts'),
      "import fs from 'node:fs';\nimport path from 'node:path';\nexport const name: string = fs.readFileSync(new URL('./greeting.txt', import.meta.url), 'utf8') + ' in ' + path.basename(import.meta.dirname);\n",
    );
    fs.writeFileSync(
      path.join(dir, 'a', 'main.ts'),
      "import { name } from './name.ts';\nconsole.log(name);\n",
    );
    fs.writeFileSync(
      path.join(dir, 'b', 'main.ts'),
      "const answer: number = 42;\nconsole.log('b says ' + answer);\n",
    );
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (bundle: string) => execFileSync(process.execPath, [bundle], { encoding: 'utf8' }).trim();
  const listings = () => fs.readdirSync(cacheDir).filter((f) => f.endsWith('.sources.json'));

  it('makes one JavaScript file that runs without a loader, each source keeping its own import.meta', async () => {
    const bundle = await bundleSources(path.join(dir, 'a', 'main.ts'), cacheDir);
    expect(path.dirname(bundle)).toBe(cacheDir);
    expect(bundle).toMatch(/main\.[0-9a-f]{12}\.mjs$/);
    // name.ts reads the file beside it, not one beside the bundle, and knows its own directory.
    expect(run(bundle)).toBe('hello from a in a');
    expect(fs.readFileSync(bundle, 'utf8')).toContain(`//# sourceMappingURL=${path.basename(bundle)}.map`);
    expect(fs.existsSync(`${bundle}.map`)).toBe(true);
  });

  it('reuses the bundle while no source changed, and makes a new one when one did', async () => {
    const main = path.join(dir, 'a', 'main.ts');
    const first = await bundleSources(main, cacheDir);
    const [listing] = listings();
    const listed = fs.statSync(path.join(cacheDir, listing ?? '')).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 20));

    // Unchanged: the same file, and the listing not written again (esbuild did not run).
    expect(await bundleSources(main, cacheDir)).toBe(first);
    expect(fs.statSync(path.join(cacheDir, listing ?? '')).mtimeMs).toBe(listed);

    // A dependency changed, not the entry: a new bundle with the change.
    fs.writeFileSync(path.join(dir, 'a', 'name.ts'), "export const name: string = 'changed';\n");
    const second = await bundleSources(main, cacheDir);
    expect(second).not.toBe(first);
    expect(run(second)).toBe('changed');
  });

  it('deletes a replaced bundle once it has been replaced for long enough', async () => {
    const main = path.join(dir, 'b', 'main.ts');
    const edit = (n: number) => fs.writeFileSync(main, `console.log(${n});\n`);
    edit(1);
    const first = await bundleSources(main, cacheDir);
    edit(2);
    const second = await bundleSources(main, cacheDir);
    // Just replaced: a process may still be about to start from it.
    expect(fs.existsSync(first)).toBe(true);
    edit(3);
    const third = await bundleSources(main, cacheDir, { keepReplacedMs: 0 });
    expect([first, `${first}.map`, second, `${second}.map`].filter((f) => fs.existsSync(f))).toEqual([]);
    expect(run(third)).toBe('3');
  });

  it('keeps sources of the same name apart', async () => {
    const a = await bundleSources(path.join(dir, 'a', 'main.ts'), cacheDir);
    const b = await bundleSources(path.join(dir, 'b', 'main.ts'), cacheDir);
    expect(run(a)).toBe('hello from a in a');
    expect(run(b)).toBe('b says 42');
    // Asked again, each gets its own bundle back.
    expect(await bundleSources(path.join(dir, 'a', 'main.ts'), cacheDir)).toBe(a);
    expect(await bundleSources(path.join(dir, 'b', 'main.ts'), cacheDir)).toBe(b);
    expect(listings()).toHaveLength(2);
  });

  it('fails clearly on a source esbuild cannot read, writing nothing', async () => {
    fs.writeFileSync(path.join(dir, 'b', 'main.ts'), 'const = ;\n');
    await expect(bundleSources(path.join(dir, 'b', 'main.ts'), cacheDir)).rejects.toThrow(/Build failed/);
    expect(fs.existsSync(cacheDir)).toBe(false);
  });
});
