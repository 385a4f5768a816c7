import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAgent } from '../src/agents/agent-service.ts';
import { type BenchmarkLoop, createBenchmarkLoop } from '../src/benchmarks/benchmark-loop.ts';
import { createNotifier, type Notifier } from '../src/notify/notifier.ts';
import { createRun } from '../src/runs/create-run.ts';
import { launchChromium, newPage, screenshotOnFailure, signIn, snap } from './support/browser-session.ts';
import { assertChromiumOrSkip } from './support/chromium.ts';
import { reportAgent } from './support/test-deps.ts';
import { startWebServer, type WebServer } from './support/web-server.ts';

const runBrowser = assertChromiumOrSkip();

/**
 * The benchmark journey in a real browser: configure an agent's benchmark, run its reference
 * cases, benchmark a run from its details page, and read the dashboard. The server runs what
 * `serve` runs after a run: the worker, the notifier (which queues benchmarks) and the benchmark loop.
 */
describe.skipIf(!runBrowser)('benchmarks in Chromium', { timeout: 120_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let page: Page;
  let notifier: Notifier;
  let benchmarks: BenchmarkLoop;
  let agentId = '';

  beforeAll(async () => {
    const webDir = inject('webDir');
    expect(webDir, 'the global setup built the web UI').not.toBe('');
    server = await startWebServer(webDir);
    server.startWorker();
    notifier = createNotifier(server.deps, { intervalMs: 200 });
    notifier.start();
    benchmarks = createBenchmarkLoop(server.deps, { intervalMs: 200 });
    benchmarks.start();
    agentId = (
      await createAgent(server.deps, server.deps.admin, { ...reportAgent, notification: { on: 'none' } })
    ).id;
    browser = await launchChromium();
    ({ page } = await newPage(browser, server.url));
    await signIn(page, server.deps.adminEmail, server.deps.adminPassword);
  }, 60_000);

  screenshotOnFailure('bench-', () => page);

  afterAll(async () => {
    await browser?.close();
    await benchmarks?.stop();
    await notifier?.stop();
    await server?.close();
  });

  it('configures a benchmark with criteria and a reference case', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Benchmarks', exact: true })
      .click();
    await page.getByRole('heading', { name: 'Benchmarks', level: 1 }).waitFor();
    await page.getByRole('link', { name: reportAgent.name }).click();
    await page.getByRole('heading', { name: `Benchmark: ${reportAgent.name}` }).waitFor();
    await page.getByText('Default: writing quality only').waitFor();
    await page.getByText('No benchmark results yet').waitFor();

    await page.getByLabel('Benchmark every run when it completes').check();
    await page.getByLabel('Judge model').fill('simulated/score-0.9');
    await page.getByLabel('Type').selectOption('icontains');
    await page.getByLabel('Text').fill('acme');
    await page.getByRole('button', { name: 'Add criterion' }).click();
    await page.getByLabel('Type').selectOption('llm-judge');
    await page.getByLabel('Rubric').fill('Does the report name the customer?');
    await page.getByLabel('Pass at (0–1)').fill('0.8');
    await page.getByRole('button', { name: 'Add criterion' }).click();
    await page.getByLabel('Type').selectOption('credits');
    await page.getByLabel('At most (credits)').fill('1000');
    await page.getByRole('button', { name: 'Add criterion' }).click();
    await expect
      .poll(() => page.getByRole('list', { name: 'Criteria' }).getByRole('listitem').count())
      .toBe(3);

    await page.getByLabel('Case name').fill('Acme weekly');
    await page.getByLabel('Variables (JSON)').fill('{"customer": "Acme"}');
    await page.getByLabel('Expected answer').fill('A report about Acme');
    await page.getByRole('button', { name: 'Add case' }).click();
    await page.getByRole('button', { name: 'Save benchmark' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await page.getByText('Configured', { exact: true }).waitFor();
    await snap(page, '20-benchmarks', 'configured');
  });

  it('runs the reference cases and shows the per-case result', async () => {
    await page.getByRole('button', { name: 'Run reference cases' }).click();
    const dataset = page.getByTestId('dataset-run').first();
    await dataset.getByText('v1: 1/1 scored, 100% passed').waitFor({ timeout: 30_000 });
    await expect.poll(() => dataset.locator('.score-pass').count()).toBe(1);
  });

  it('benchmarks a run from its details page and runs the benchmark again', async () => {
    const run = await createRun(
      server.deps,
      server.deps.admin,
      agentId,
      { variables: { customer: 'Acme' }, start: true },
      { kind: 'manual', by: server.deps.admin.userId },
    );
    await page.goto(`/runs/${run.id}`);
    const card = page.getByRole('region', { name: 'Benchmark' });
    // Benchmarked automatically when it completed.
    await card.getByTestId('benchmark-passed').filter({ hasText: 'Passed' }).waitFor({ timeout: 30_000 });
    await card.getByRole('cell', { name: 'readability', exact: true }).waitFor();
    await card.getByText('Recommendations').or(card.getByText('Writing quality')).first().waitFor();
    await card.getByRole('cell', { name: 'judge rubric' }).waitFor();
    await snap(page, '20-benchmarks', 'run-details');
    await card.getByRole('button', { name: 'Rerun benchmark' }).click();
    await card.getByText('Earlier results (1)').waitFor({ timeout: 30_000 });
    await card.getByTestId('benchmark-passed').filter({ hasText: 'Passed' }).waitFor({ timeout: 30_000 });
  });

  it('reads the dashboard: pass rate, scores by version, charts', async () => {
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('heading', { name: 'Quality dashboard' }).waitFor();
    // The dataset case, the run's automatic benchmark and its rerun.
    await expect
      .poll(() =>
        page.getByTestId('dashboard-totals').getByText('Benchmarked runs').locator('..').textContent(),
      )
      .toContain('3');
    expect(await page.getByTestId('dashboard-pass-rate').textContent()).toBe('100%');
    const v1 = page.getByTestId('version-row-1');
    await v1.waitFor();
    expect(await v1.locator('td').nth(1).textContent()).toBe('3');
    expect(await v1.locator('td').nth(2).textContent()).toBe('100%');
    for (const chart of [
      'Pass rate and mean score over time',
      'Criteria scores over time',
      'Mean credits over time',
      'Mean duration over time (s)',
      'Mean score by agent version',
    ])
      await page.getByRole('img', { name: chart }).waitFor();
    await snap(page, '20-benchmarks', 'dashboard');
  });
});
