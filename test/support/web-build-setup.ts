import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildWebUi } from '../../src/api/build-web-ui.ts';
import { chromiumStatus } from './chromium.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The web UI built once for this test process, or '' when no browser suite can run. */
    webDir: string;
  }
}

/**
 * Vitest global setup: builds the web UI once per test process (about 3 s), into a temp
 * directory so a developer's own `dist/web` is never touched, and hands its path to the browser
 * suites. Skipped when Chromium is absent and not required: nothing would use the build.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  if (!chromiumStatus().run) {
    project.provide('webDir', '');
    return () => undefined;
  }
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-web-'));
  await buildWebUi(outDir, { quiet: true });
  project.provide('webDir', outDir);
  return () => fs.rmSync(outDir, { recursive: true, force: true });
}
