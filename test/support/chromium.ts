import fs from 'node:fs';

/** Debian's Chromium, which `.ci/run` installs with apt; AGENTRUNS_CHROMIUM points elsewhere. */
export const CHROMIUM_PATH = process.env.AGENTRUNS_CHROMIUM ?? '/usr/bin/chromium';

/** No GPU, no sandbox (CI runs as root), and nothing that calls home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/**
 * Whether browser suites run here. Without Chromium they are skipped loudly; with
 * AGENTRUNS_REQUIRE containing `chromium` (as CI sets it) a missing Chromium fails instead.
 */
export function chromiumStatus(): { run: boolean; required: boolean } {
  const required = (process.env.AGENTRUNS_REQUIRE ?? '')
    .split(',')
    .map((s) => s.trim())
    .includes('chromium');
  return { run: fs.existsSync(CHROMIUM_PATH) || required, required };
}

/** Call at the top of a browser suite: throws when required and missing, warns when skipped. */
export function assertChromiumOrSkip(): boolean {
  const present = fs.existsSync(CHROMIUM_PATH);
  const { required } = chromiumStatus();
  if (!present && required)
    throw new Error(
      `AGENTRUNS_REQUIRE has chromium, but ${CHROMIUM_PATH} does not exist (apt-get install chromium)`,
    );
  if (!present)
    console.warn(`\n*** Chromium not found at ${CHROMIUM_PATH}: browser suites are SKIPPED ***\n`);
  return present;
}
