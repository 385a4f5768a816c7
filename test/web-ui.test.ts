import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAgent } from '../src/agents/agent-service.ts';
import { createRun } from '../src/runs/create-run.ts';
import { launchChromium, newPage, screenshotOnFailure, signIn, snap } from './support/browser-session.ts';
import { assertChromiumOrSkip } from './support/chromium.ts';
import { startWebServer, type WebServer } from './support/web-server.ts';

const runBrowser = assertChromiumOrSkip();

/** A link of the main navigation (breadcrumbs repeat some names). */
const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

/** The run header's status badge. */
const headerStatus = (page: Page) => page.locator('.status-line [data-status]').first();

async function waitForStatus(page: Page, status: string, timeoutMs = 20_000): Promise<void> {
  await page.locator(`.status-line [data-status="${status}"]`).first().waitFor({ timeout: timeoutMs });
}

describe.skipIf(!runBrowser)('web UI in Chromium', { timeout: 120_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let page: Page;
  let agentId = '';
  let firstRunUrl = '';

  beforeAll(async () => {
    const webDir = inject('webDir');
    expect(webDir, 'the global setup built the web UI').not.toBe('');
    server = await startWebServer(webDir);
    browser = await launchChromium();
    ({ page } = await newPage(browser, server.url));
  }, 60_000);

  screenshotOnFailure('', () => page);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs in with the session cookie and keeps the API and client routes apart', async () => {
    await page.goto('/runs');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await snap(page, '01-sign-in', 'form');
    await page.getByLabel('Email').fill(server.deps.adminEmail);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'email or password is wrong' }).waitFor();
    await page.getByLabel('Password').fill(server.deps.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor();
    await page.getByText('No runs yet').waitFor();
    await snap(page, '01-sign-in', 'empty-runs');
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'agentruns_session')?.httpOnly).toBe(true);
    // The SPA answers client routes; the API keeps its JSON 404.
    const api = await page.request.get('/api/nothing-here', { headers: { accept: 'text/html' } });
    expect(api.status()).toBe(404);
    expect(await api.json()).toMatchObject({ error: { code: 'not_found' } });
    const client = await page.request.get('/agents/new', { headers: { accept: 'text/html' } });
    expect(client.status()).toBe(200);
    expect(await client.text()).toContain('<div id="root">');
  });

  it('creates an agent, showing the server validation error at the field', async () => {
    await nav(page, 'Agents').click();
    await page.getByText('No agents yet').waitFor();
    await page.getByRole('link', { name: 'New agent' }).first().click();
    await page.getByLabel('Name', { exact: true }).fill('Account report');
    await page.getByLabel('Description').fill('Facts, a summary and a report for one customer.');
    await page.getByLabel('Model', { exact: true }).fill('simulated/delay-1200');
    await page.getByRole('button', { name: 'Add variable' }).click();
    await page.locator('#f-variables-0-name').fill('customer');
    await page.getByRole('button', { name: 'Add variable' }).click();
    await page.locator('#f-variables-1-name').fill('period');
    await page.locator('#f-variables-1-default').fill('last 7 days');
    await page.locator('#f-steps-0-name').fill('Gather');
    // A typo in a variable name: the server names the field and the rule.
    await page
      .locator('#f-steps-0-prompt')
      .fill('List the facts about {{ vars.custmer }} for {{ vars.period }}.');
    await page.getByRole('button', { name: 'Create agent' }).click();
    const fieldError = page.locator('#f-steps-0-prompt-error');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toMatch(/custmer/);
    expect(await page.locator('#f-steps-0-prompt').getAttribute('aria-invalid')).toBe('true');
    await snap(page, '02-create-agent', 'field-error');

    await page
      .locator('#f-steps-0-prompt')
      .fill('List the facts about {{ vars.customer }} for {{ vars.period }}.');
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.locator('#f-steps-1-name').fill('Summarize');
    await page.locator('#f-steps-1-prompt').fill('Summarize: {{ steps.gather.output }}');
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.locator('#f-steps-2-name').fill('Report');
    await page.locator('#f-steps-2-prompt').fill('Write the report from {{ steps.summarize.output }}.');
    await page.getByRole('button', { name: 'Create agent' }).click();
    await page.getByRole('tab', { name: 'Version history' }).waitFor();
    agentId = page.url().split('/agents/')[1]?.split('?')[0] ?? '';
    expect(agentId).toMatch(/^agt_/);
    await snap(page, '02-create-agent', 'saved');

    // A second version, then the history shows both.
    await page.getByText('System instructions and model overrides').nth(1).click();
    await page.getByLabel('Step 2 reasoning effort').selectOption('high');
    await page.getByRole('button', { name: 'Save new version' }).click();
    await page.getByText('Saved as version 2.').waitFor();
    await page.getByRole('tab', { name: 'Version history' }).click();
    await page.getByRole('cell', { name: 'v2', exact: true }).waitFor();
    await expect(page.getByRole('cell', { name: 'v1', exact: true }).count()).resolves.toBe(1);
    await snap(page, '02-create-agent', 'versions');
  });

  it('starts a run with an overridden variable and follows it enqueued → running → completed without a reload', async () => {
    await nav(page, 'Agents').click();
    await page.getByRole('button', { name: 'Run Account report' }).click();
    const dialog = page.getByRole('dialog', { name: 'Run Account report' });
    await dialog.locator('#run-var-customer').fill('Acme');
    await snap(page, '03-run', 'run-dialog');
    await dialog.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/runs\/run_/);
    firstRunUrl = page.url();
    await page.evaluate(() => {
      (globalThis as unknown as { stillThisPage: boolean }).stillThisPage = true;
    });
    // No worker yet: the run waits in the queue, and the page says so.
    await waitForStatus(page, 'enqueued');
    await page.getByText('Live', { exact: false }).first().waitFor();
    await snap(page, '03-run', 'enqueued');
    server.startWorker();
    await waitForStatus(page, 'running');
    await expect(page.getByTestId('status-text').textContent()).resolves.toMatch(/Step \d of 3/);
    await snap(page, '03-run', 'running');
    await waitForStatus(page, 'completed');
    expect(
      await page.evaluate(() => (globalThis as unknown as { stillThisPage?: boolean }).stillThisPage),
    ).toBe(true);
    expect(await page.getByTestId('status-text').textContent()).toBe('Completed 3 of 3 steps');
  });

  it('shows each step with its output, model, reasoning, tokens and the simulated label', async () => {
    const steps = page.locator('article.step');
    await expect(steps.count()).resolves.toBe(3);
    for (const [i, name] of ['Gather', 'Summarize', 'Report'].entries()) {
      const step = page.locator(`article[data-step="${i + 1}"]`);
      await expect(step.getByRole('heading').textContent()).resolves.toContain(name);
      await expect(step.locator('[data-status="completed"]').count()).resolves.toBe(1);
      await expect(
        step.getByRole('region', { name: `Output of step ${i + 1}` }).textContent(),
      ).resolves.not.toBe('');
      await expect(step.locator('.step-meta').textContent()).resolves.toContain('simulated/delay-1200');
      await expect(step.locator('.step-meta').textContent()).resolves.toMatch(/\d+ in · \d+ out/);
    }
    await expect(page.locator('article[data-step="2"] .step-meta').textContent()).resolves.toContain('high');
    await expect(page.getByRole('region', { name: 'Final output' }).textContent()).resolves.not.toBe('');
    await page.getByText('simulated model', { exact: false }).first().waitFor();
    await expect(page.locator('[data-variable="customer"]').textContent()).resolves.toContain('Override');
    await expect(page.locator('[data-variable="customer"]').textContent()).resolves.toContain('Acme');
    await expect(page.locator('[data-variable="period"]').textContent()).resolves.toContain('Default');
    await snap(page, '04-steps', 'completed-run');
  });

  it('reruns from step 2: step 1 is reused and a second attempt completes', async () => {
    await page
      .locator('article[data-step="2"]')
      .getByRole('button', { name: 'Rerun from this step' })
      .click();
    await page
      .getByRole('dialog', { name: 'Rerun from step 2' })
      .getByRole('button', { name: 'Rerun from step 2' })
      .click();
    await waitForStatus(page, 'running');
    await waitForStatus(page, 'completed');
    await page.locator('article[data-step="1"]').getByText('Reused').waitFor();
    await expect(page.locator('article[data-step="2"]').getByText('Reused').count()).resolves.toBe(0);
    await expect(page.getByTestId('attempts').locator('tbody tr').count()).resolves.toBe(2);
    await snap(page, '05-rerun-from-step', 'second-attempt');
  });

  it('cancels a slow run while it runs', async () => {
    await nav(page, 'Agents').click();
    await page.getByRole('button', { name: 'Run Account report' }).click();
    const dialog = page.getByRole('dialog', { name: 'Run Account report' });
    await dialog.locator('#run-var-customer').fill('Initech');
    await dialog.getByText('Model settings for this run').click();
    await dialog.getByLabel('Model').fill('simulated/slow');
    await dialog.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/runs\/run_/);
    await waitForStatus(page, 'running');
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await waitForStatus(page, 'canceled');
    await expect(page.getByTestId('status-text').textContent()).resolves.toMatch(/Canceled/);
    await expect(page.getByRole('button', { name: 'Cancel run' }).count()).resolves.toBe(0);
    await snap(page, '06-cancel', 'canceled');
  });

  it('duplicates a run with a changed variable', async () => {
    await page.goto(firstRunUrl);
    await waitForStatus(page, 'completed');
    await page.getByRole('button', { name: 'Duplicate', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Duplicate run' });
    await dialog.locator('#duplicate-customer').fill('Globex');
    await dialog.getByLabel('Name').fill('Account report — Globex');
    await snap(page, '07-duplicate', 'dialog');
    await dialog.getByRole('button', { name: 'Duplicate and start' }).click();
    await page.getByRole('heading', { name: 'Account report — Globex', level: 1 }).waitFor();
    expect(page.url()).not.toBe(firstRunUrl);
    await expect(page.locator('[data-variable="customer"]').textContent()).resolves.toContain('Globex');
    await waitForStatus(page, 'completed');
    await snap(page, '07-duplicate', 'duplicate-completed');
  });

  it('searches and filters the run list', async () => {
    await nav(page, 'Runs').click();
    const rows = page.locator('[data-testid="runs-table"] [data-run-id]');
    await expect.poll(() => rows.count()).toBe(3);
    await snap(page, '08-search-filter', 'all-runs');
    await page.getByLabel('Search runs by name or output').fill('Globex');
    await expect.poll(() => rows.count()).toBe(1);
    await expect(rows.first().textContent()).resolves.toContain('Globex');
    await snap(page, '08-search-filter', 'search');
    await page.getByLabel('Search runs by name or output').fill('');
    await expect.poll(() => rows.count()).toBe(3);
    await page.getByLabel('Status').selectOption('canceled');
    await expect.poll(() => rows.count()).toBe(1);
    expect(page.url()).toContain('status=canceled');
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Trigger').selectOption('schedule');
    await page.getByText('No runs match').waitFor();
    await snap(page, '08-search-filter', 'no-match');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => rows.count()).toBe(3);
    await page.getByLabel('Agent').selectOption(agentId);
    await expect.poll(() => rows.count()).toBe(3);
  });

  it('archives two runs in bulk with a result per row', async () => {
    const rows = page.locator('[data-testid="runs-table"] [data-run-id]');
    await rows.nth(0).getByRole('checkbox').check();
    await rows.nth(1).getByRole('checkbox').check();
    await page.getByRole('region', { name: 'Bulk actions' }).getByText('2 selected').waitFor();
    await snap(page, '09-bulk-archive', 'selected');
    await page.getByRole('button', { name: 'Archive', exact: true }).click();
    await page.getByRole('status').filter({ hasText: '2 runs archived' }).waitFor();
    await snap(page, '09-bulk-archive', 'result');
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByLabel('Archived').selectOption('true');
    await expect.poll(() => rows.count()).toBe(2);
  });

  it('lets an administrator create an API token in Settings', async () => {
    await nav(page, 'Settings').click();
    await page.getByLabel('New token name').fill('CI pipeline');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = await page.getByTestId('new-token').textContent();
    expect(token).toMatch(/^ar_/);
    await page.getByRole('cell', { name: 'CI pipeline', exact: true }).waitFor();
    const me = await page.request.get('/api/me', { headers: { authorization: `Bearer ${token}` } });
    expect(me.status()).toBe(200);
    await snap(page, '10-settings', 'tokens');
  });

  it('keeps a viewer away from delete and from every change', async () => {
    const viewer = await server.deps.addUser('viewer');
    const { context, page: viewerPage } = await newPage(browser, server.url);
    try {
      await signIn(viewerPage, viewer.email, 'password');
      await viewerPage.getByLabel('Archived').selectOption('all');
      const rows = viewerPage.locator('[data-testid="runs-table"] [data-run-id]');
      await expect.poll(() => rows.count()).toBe(3);
      await expect(viewerPage.getByRole('checkbox').count()).resolves.toBe(0);
      await expect(viewerPage.getByRole('button', { name: /^Duplicate/ }).count()).resolves.toBe(0);
      await snap(viewerPage, '11-viewer', 'runs');
      await rows.first().getByRole('link').click();
      await viewerPage.locator('.status-line [data-status]').first().waitFor();
      await expect(viewerPage.getByRole('button', { name: 'Delete' }).count()).resolves.toBe(0);
      await expect(viewerPage.getByRole('button', { name: /Rerun/ }).count()).resolves.toBe(0);
      await snap(viewerPage, '11-viewer', 'run-details');
    } finally {
      await context.close();
    }
    // The administrator does see it.
    await page.goto(firstRunUrl);
    await headerStatus(page).waitFor();
    await expect(page.getByRole('button', { name: 'Delete' }).count()).resolves.toBe(1);
  });

  it("shows a step's tool calls with their outcome, arguments and result", async () => {
    const deps = server.deps;
    const agent = await createAgent(deps, deps.admin, {
      name: 'Tool user',
      toolSettings: { allowedHosts: ['docs.example'], allowPrivateAddresses: false, invokableAgentIds: [] },
      steps: [
        {
          name: 'Look it up',
          tools: ['search_sites', 'http_request'],
          prompt:
            '[[call search_sites {"query":"refunds"}]] [[call http_request {"url":"http://169.254.169.254/"}]]',
        },
      ],
    });
    const run = await createRun(
      deps,
      deps.admin,
      agent.id,
      { variables: {}, start: true },
      { kind: 'manual', by: deps.admin.userId },
    );
    await page.goto(`/runs/${run.id}`);
    await waitForStatus(page, 'failed');
    const calls = page.locator('article[data-step="1"] .tool-calls');
    await expect(calls.locator('[data-tool-call="1"]').textContent()).resolves.toMatch(/search_sites\s*ok/);
    await expect(calls.locator('[data-tool-call="2"]').textContent()).resolves.toContain(
      'refused by toolSettings.allowedHosts',
    );
    await calls.locator('[data-tool-call="2"]').getByText('Arguments and result').click();
    await expect(calls.locator('[data-tool-call="2"] pre').textContent()).resolves.toContain(
      '169.254.169.254',
    );
    await snap(page, '05-tools', 'tool-calls');
  });

  it('scrolls through 100,000 runs with a bounded number of rows in the page', async () => {
    const { deps } = server;
    const agent = await createAgent(deps, deps.admin, {
      name: 'Bulk filler',
      steps: [{ name: 'One', prompt: 'Say one.' }],
    });
    const template = await createRun(
      deps,
      deps.admin,
      agent.id,
      { name: 'Filler template', start: false },
      { kind: 'manual', by: deps.admin.userId },
    );
    // 100,000 runs as the API writes them: the template's row cloned under fresh, time-ordered ids
    // and names (createRun one by one would take minutes; the page only reads the rows).
    const sqlite = deps.store.sqlite;
    if (!sqlite) throw new Error('the web UI suite runs on SQLite');
    const columns = (sqlite.prepare('PRAGMA table_info(runs)').all() as Array<{ name: string }>)
      .map((c) => c.name)
      .filter((c) => c !== 'id' && c !== 'name');
    const clone = sqlite.prepare(
      `INSERT INTO runs (id, name, ${columns.join(', ')}) SELECT ?, ?, ${columns.join(', ')} FROM runs WHERE id = ?`,
    );
    const total = 100_000;
    sqlite.transaction(() => {
      for (let i = 0; i < total - 1; i++)
        clone.run(deps.ids.next('run'), `Filler ${String(i).padStart(6, '0')}`, template.id);
    })();
    await page.goto(`/runs?agentId=${agent.id}`);
    const table = page.getByTestId('runs-table');
    await table.locator('[data-run-id]').first().waitFor();
    await page.getByRole('link', { name: 'Filler 099998' }).waitFor();
    // Thirty pages deep by scrolling: each page comes by its cursor, and the page keeps a window of rows.
    const loaded = async () =>
      Number((await page.getByText(/runs? loaded/).textContent())?.match(/^[\d,]+/)?.[0].replaceAll(',', ''));
    for (let i = 0; i < 400 && (await loaded()) < 3000; i++) {
      await table.evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await page.waitForTimeout(50);
    }
    expect(await loaded()).toBeGreaterThanOrEqual(3000);
    // The last page may have arrived after the last scroll: go to the bottom of what is loaded.
    const deepest = async () => {
      await table.evaluate((el) => el.scrollTo(0, el.scrollHeight));
      const shown = await table.locator('[data-run-id] a').allTextContents();
      return Math.min(...shown.map((name) => Number(name.match(/Filler (\d+)/)?.[1] ?? Number.NaN)));
    };
    await expect.poll(deepest, { timeout: 10_000, interval: 100 }).toBeLessThanOrEqual(total - 3000);
    expect(await table.locator('[data-run-id]').count()).toBeLessThan(80);
    // Back to the top in one jump: the first rows are drawn again from what is loaded.
    await table.evaluate((el) => el.scrollTo(0, 0));
    await page.getByRole('link', { name: 'Filler 099998' }).waitFor();
    expect(await table.locator('[data-run-id]').count()).toBeLessThan(80);
    await snap(page, '12-many-runs', 'deep-in-the-list');
  }, 180_000);
});
