import { unzipSync, zipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAgent } from '../src/agents/agent-service.ts';
import { setSigning } from '../src/governance/signing-keys.ts';
import { createExtractionWorker, type ExtractionWorker } from '../src/sites/extraction-worker.ts';
import { launchChromium, newPage, screenshotOnFailure, signIn, snap } from './support/browser-session.ts';
import { assertChromiumOrSkip } from './support/chromium.ts';
import { startWebServer, type WebServer } from './support/web-server.ts';

const runBrowser = assertChromiumOrSkip();

const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

/** GET through the browser's own session (its cookies), as JSON. */
async function getJson<T>(page: Page, url: string): Promise<T> {
  const response = await page.request.get(url);
  expect(response.status(), `GET ${url}`).toBe(200);
  return (await response.json()) as T;
}

const providerKey = 'sk-local-secret-key-9876';

/**
 * Issue 04's settings, Sites, triggers and governance pages, journey by journey against the real
 * server on SQLite: every change is made in the page and then read back from the API.
 */
describe.skipIf(!runBrowser)('web UI: settings, Sites, triggers and governance', { timeout: 120_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let page: Page;
  let extraction: ExtractionWorker;
  let viewerPassword = '';
  let siteId = '';
  let agentId = '';

  beforeAll(async () => {
    const webDir = inject('webDir');
    expect(webDir, 'the global setup built the web UI').not.toBe('');
    server = await startWebServer(webDir);
    extraction = createExtractionWorker(server.deps);
    browser = await launchChromium();
    ({ page } = await newPage(browser, server.url));
    await signIn(page, server.deps.adminEmail, server.deps.adminPassword);
  }, 60_000);

  screenshotOnFailure('admin-', () => page);

  afterAll(async () => {
    await browser?.close();
    await extraction?.stop();
    await server?.close();
  });

  it('adds, edits and deletes a model provider without ever showing its key whole', async () => {
    await nav(page, 'Settings').click();
    await page.getByRole('heading', { name: 'Model providers and keys' }).waitFor();
    await page.getByLabel('Provider name').fill('ollama');
    await page.getByLabel('Base URL').fill('http://127.0.0.1:11434/v1');
    await page.getByLabel('API key').fill(providerKey);
    await page.getByRole('button', { name: 'Add provider' }).click();
    await expect(page.getByTestId('key-ollama').textContent()).resolves.toBe('…9876');
    expect(await page.content()).not.toContain(providerKey);
    await snap(page, '10-settings', 'providers');

    await page.getByRole('button', { name: 'Edit provider ollama' }).click();
    await page.locator('#edit-ollama-url').fill('http://127.0.0.1:11500/v1');
    await page.getByRole('button', { name: 'Save provider' }).click();
    await page.getByRole('cell', { name: 'http://127.0.0.1:11500/v1' }).waitFor();
    const providers = await getJson<{ items: Array<{ name: string; baseUrl: string; apiKey: string }> }>(
      page,
      '/api/settings/providers',
    );
    expect(providers.items).toMatchObject([
      { name: 'ollama', baseUrl: 'http://127.0.0.1:11500/v1', apiKey: '…9876' },
    ]);

    // A bad name is refused at its field.
    await page.getByLabel('Provider name').fill('Not OK');
    await page.getByLabel('Base URL').fill('http://127.0.0.1:1/v1');
    await page.getByRole('button', { name: 'Add provider' }).click();
    await page.locator('#provider-name-error').waitFor();
    expect(await page.locator('#provider-name-error').textContent()).toMatch(/lower-case/);

    await page.getByRole('button', { name: 'Delete provider ollama' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete provider' }).click();
    await page.getByTestId('key-ollama').waitFor({ state: 'detached' });
    expect(
      (await getJson<{ items: unknown[] }>(page, '/api/settings/providers')).items,
      'the provider is gone',
    ).toEqual([]);
  });

  it('saves a price as a new price-table version', async () => {
    await page.getByLabel('Input price of openai/gpt-5', { exact: true }).fill('1.5');
    await page.getByLabel('Note for this version').fill('negotiated rate');
    await page.getByRole('button', { name: 'Save prices' }).click();
    await page.getByText('Saved as price version 1.').waitFor();
    const prices = await getJson<{ version: number; note: string; entries: Array<Record<string, unknown>> }>(
      page,
      '/api/settings/prices',
    );
    expect(prices.version).toBe(1);
    expect(prices.note).toBe('negotiated rate');
    expect(prices.entries.find((e) => e.model === 'openai/gpt-5')?.inputPerMillion).toBe(1.5);
    await page.locator('#prices').scrollIntoViewIfNeeded();
    await snap(page, '10-settings', 'prices');
  });

  it('changes the policy as a new version and lists the history with author, time and SHA-256', async () => {
    const before = (await getJson<{ version: number }>(page, '/api/policy')).version;
    await page.getByLabel('Retention (days)').fill('30');
    await page.getByLabel('Mandatory AI instructions').fill('Never reveal customer emails.');
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await page.locator(`[data-policy-version="${before + 1}"]`).waitFor();
    const current = await getJson<{ version: number; sha256: string; createdBy: string; policy: object }>(
      page,
      '/api/policy',
    );
    expect(current).toMatchObject({
      version: before + 1,
      policy: { retentionDays: 30, mandatoryInstructions: 'Never reveal customer emails.' },
    });
    await expect(page.getByTestId('policy-version').textContent()).resolves.toMatch(
      new RegExp(`^Version ${before + 1}`),
    );
    const row = page.locator(`[data-policy-version="${before + 1}"]`);
    expect(await row.locator('code').getAttribute('title')).toBe(current.sha256);
    expect(await row.textContent()).toContain(current.createdBy);
    await page.getByRole('button', { name: `View policy version ${before + 1}` }).click();
    await page.getByText('"retentionDays": 30').waitFor();
    await page.locator('#policy').scrollIntoViewIfNeeded();
    await snap(page, '10-settings', 'policy');
  });

  it('adds users, changes a role and removes a user', async () => {
    await page.getByLabel('Email', { exact: true }).fill('vera@example.com');
    await page.getByLabel('Full name').fill('Vera Viewer');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Add user' }).click();
    viewerPassword = (await page.getByTestId('initial-password').textContent()) ?? '';
    expect(viewerPassword.length).toBeGreaterThanOrEqual(12);

    await page.getByLabel('Email', { exact: true }).fill('ed@example.com');
    await page.getByLabel('Role', { exact: true }).selectOption('runner');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.locator('[data-user="ed@example.com"]').waitFor();
    await page.getByLabel('Role of ed@example.com').selectOption('editor');
    await expect
      .poll(async () => {
        const users = await getJson<{ items: Array<{ email: string; role: string }> }>(page, '/api/users');
        return users.items.find((u) => u.email === 'ed@example.com')?.role;
      })
      .toBe('editor');
    await page.locator('#users').scrollIntoViewIfNeeded();
    await snap(page, '10-settings', 'users');

    await page.getByRole('button', { name: 'Remove ed@example.com' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove user' }).click();
    await page.locator('[data-user="ed@example.com"]').waitFor({ state: 'detached' });
    const users = await getJson<{ items: Array<{ email: string; role: string }> }>(page, '/api/users');
    expect(users.items.map((u) => [u.email, u.role]).sort()).toEqual([
      [server.deps.adminEmail, 'admin'],
      ['vera@example.com', 'viewer'],
    ]);
  });

  it('shows a viewer no administrator settings, no governance, and the policy read-only', async () => {
    const viewer = await newPage(browser, server.url);
    try {
      await signIn(viewer.page, 'vera@example.com', viewerPassword);
      const mainNav = viewer.page.getByRole('navigation', { name: 'Main' });
      await mainNav.getByRole('link', { name: 'Settings', exact: true }).click();
      await viewer.page.getByRole('heading', { name: 'API tokens' }).waitFor();
      await viewer.page.getByRole('heading', { name: 'Policy' }).waitFor();
      await viewer.page.getByRole('heading', { name: 'Prices' }).waitFor();
      expect(await viewer.page.getByRole('heading', { name: 'Model providers and keys' }).count()).toBe(0);
      expect(await viewer.page.getByRole('heading', { name: 'Users and roles' }).count()).toBe(0);
      expect(await mainNav.getByRole('link', { name: 'Governance' }).count()).toBe(0);
      expect(await viewer.page.getByLabel('Retention (days)').isDisabled()).toBe(true);
      expect(await viewer.page.getByRole('button', { name: 'Save prices' }).count()).toBe(0);
      expect(await viewer.page.getByRole('button', { name: 'Save as a new version' }).count()).toBe(0);
      await snap(viewer.page, '11-viewer', 'settings');
      await viewer.page.goto('/governance');
      await viewer.page.getByText('Governance is for administrators').waitFor();
      // The server agrees: the page only hides what the API refuses.
      expect((await viewer.page.request.get('/api/users')).status()).toBe(403);
    } finally {
      await viewer.context.close();
    }
  });

  it('creates a Site, uploads by file input and by drop, follows extraction and deletes a document', async () => {
    await nav(page, 'Sites').click();
    await page.getByText('No Sites yet').waitFor();
    await page.getByRole('button', { name: 'New Site' }).click();
    await page.getByLabel('Site name').fill('Handbook');
    await page.getByLabel('Description').fill('Policies and procedures');
    await page.getByRole('button', { name: 'Create Site' }).click();
    await page.waitForURL(/\/sites\/sit_/);
    siteId = page.url().split('/sites/')[1] ?? '';

    await page.getByTestId('document-input').setInputFiles({
      name: 'handbook.md',
      mimeType: 'text/markdown',
      buffer: Buffer.from('# Handbook\n\nRefunds are paid within 30 days of a request.\n'),
    });
    const handbook = page.locator('[data-document="handbook.md"]');
    await handbook.locator('[data-extraction="queued"]').waitFor();
    await snap(page, '12-sites', 'queued');
    await extraction.runOnce();
    // The page asks again while a document is queued: Ready shows without a reload.
    await handbook.locator('[data-extraction="ready"]').waitFor();

    const dataTransfer = await page.evaluateHandle(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['Shipping takes five working days.'], 'shipping.txt', { type: 'text/plain' }));
      return dt;
    })()`);
    await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer });
    await page.locator('[data-upload="done"]').filter({ hasText: 'shipping.txt' }).waitFor();
    await extraction.runOnce();
    await page.locator('[data-document="shipping.txt"] [data-extraction="ready"]').waitFor();
    await snap(page, '12-sites', 'documents');

    const site = await getJson<{ documents: Array<{ name: string; status: string }> }>(
      page,
      `/api/sites/${siteId}`,
    );
    expect(site.documents.map((d) => [d.name, d.status]).sort()).toEqual([
      ['handbook.md', 'ready'],
      ['shipping.txt', 'ready'],
    ]);

    await page.getByRole('button', { name: 'Delete shipping.txt' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete document' }).click();
    await page.locator('[data-document="shipping.txt"]').waitFor({ state: 'detached' });
    const after = await getJson<{ documents: Array<{ name: string }> }>(page, `/api/sites/${siteId}`);
    expect(after.documents.map((d) => d.name)).toEqual(['handbook.md']);

    await nav(page, 'Sites').click();
    await page.locator('[data-site="Handbook"]').getByText('All ready').waitFor();
    await snap(page, '12-sites', 'list');
  });

  it('picks Sites and a file output in the agent editor, then previews the generated file of a run', async () => {
    const agent = await createAgent(server.deps, server.deps.admin, {
      name: 'Stock report',
      modelSettings: { model: 'simulated/default' },
      variables: [{ name: 'customer', type: 'string', required: false, default: 'Acme' }],
      steps: [{ name: 'Sheet', prompt: 'Stock\n| Item | Count |\n| Bolts | 40 |\n| Nuts | 12 |' }],
    });
    agentId = agent.id;
    await page.goto(`/agents/${agentId}`);
    await page.getByRole('checkbox', { name: /Handbook/ }).check();
    await page.getByLabel('Step 1 output').selectOption('file');
    await page.getByLabel('Step 1 file kind').selectOption('spreadsheet');
    await page.getByLabel('Step 1 file name').fill('stock');
    await snap(page, '13-agent-editor', 'sites-and-output');
    await page.getByRole('button', { name: 'Save new version' }).click();
    await page.getByText('Saved as version 2.').waitFor();
    const saved = await getJson<{ siteIds: string[]; steps: Array<{ output?: unknown }> }>(
      page,
      `/api/agents/${agentId}`,
    );
    expect(saved.siteIds).toEqual([siteId]);
    expect(saved.steps[0]?.output).toEqual({ format: 'file', kind: 'spreadsheet', fileName: 'stock' });

    // A JSON schema that is not JSON is refused at its field.
    await page.getByLabel('Step 1 output').selectOption('json');
    await page.getByLabel('Step 1 JSON Schema').fill('{ not json');
    await page.getByRole('button', { name: 'Save new version' }).click();
    await page.locator('#f-steps-0-output-schema-error').waitFor();
    await page.getByLabel('Step 1 output').selectOption('file');

    server.startWorker();
    await page.reload();
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/runs\/run_/);
    await page.locator('.status-line [data-status="completed"]').first().waitFor({ timeout: 30_000 });
    // The run searched the agent's default Site, named in the options panel.
    expect(await page.getByRole('link', { name: 'Handbook', exact: true }).getAttribute('href')).toBe(
      `/sites/${siteId}`,
    );
    await page.getByText('File spec (JSON)').waitFor();
    const file = page.locator('[data-file="stock.xlsx"]');
    await file.waitFor();
    await file.getByRole('table').getByRole('cell', { name: 'Bolts' }).waitFor();
    expect(await file.getByRole('link', { name: 'Download' }).getAttribute('href')).toMatch(
      /^\/api\/files\//,
    );
    await file.scrollIntoViewIfNeeded();
    await snap(page, '13-agent-editor', 'file-preview');
  });

  it('adds a schedule with a preview of its next times, pauses it and deletes it', async () => {
    await page.goto(`/agents/${agentId}?tab=schedules`);
    await page.getByText('No schedules').waitFor();
    await page.getByLabel('Schedule name').fill('Morning stock');
    await page.getByLabel('Cron expression').fill('30 6 * * *');
    await page.getByLabel('Time zone').fill('Europe/Paris');
    await expect.poll(() => page.getByTestId('cron-preview').locator('li').count()).toBe(5);
    await page.getByLabel('Cron expression').fill('61 * * * *');
    await page.getByTestId('cron-preview').locator('.field-error').waitFor();
    await page.getByLabel('Cron expression').fill('30 6 * * *');
    await page.getByRole('button', { name: 'Add schedule' }).click();
    await page.locator('[data-schedule="Morning stock"]').waitFor();
    // The browser's preview (croner) and the server's next fire times agree.
    const serverFirst = await page.locator('[data-schedule="Morning stock"] li').first().textContent();
    expect(serverFirst).toBe(await page.getByTestId('cron-preview').locator('li').first().textContent());
    await snap(page, '14-triggers', 'schedules');
    type Schedules = {
      items: Array<{ cron: string; timezone: string; enabled: boolean; nextFireTimes: string[] }>;
    };
    const created = await getJson<Schedules>(page, `/api/agents/${agentId}/schedules`);
    expect(created.items).toMatchObject([{ cron: '30 6 * * *', timezone: 'Europe/Paris', enabled: true }]);
    expect(created.items[0]?.nextFireTimes).toHaveLength(5);

    await page.getByRole('button', { name: 'Pause Morning stock' }).click();
    await page.getByRole('button', { name: 'Resume Morning stock' }).waitFor();
    const paused = await getJson<Schedules>(page, `/api/agents/${agentId}/schedules`);
    expect(paused.items[0]?.enabled).toBe(false);

    await page.getByRole('button', { name: 'Delete Morning stock' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete schedule' }).click();
    await page.getByText('No schedules').waitFor();
    expect((await getJson<Schedules>(page, `/api/agents/${agentId}/schedules`)).items).toEqual([]);
  });

  it('adds a webhook, shows its secret once, rotates it and deletes it', async () => {
    await page.goto(`/agents/${agentId}?tab=webhooks`);
    await page.getByText('No webhooks').waitFor();
    await page.getByLabel('Webhook name').fill('CRM');
    await page.getByLabel('customer from').fill('/customer/name');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const first = (await page.getByTestId('webhook-secret').textContent()) ?? '';
    expect(first).toMatch(/^whsec_/);
    await snap(page, '14-triggers', 'webhooks');
    const hooks = await getJson<{ items: Array<{ id: string; url: string; secret?: string }> }>(
      page,
      `/api/agents/${agentId}/webhooks`,
    );
    expect(hooks.items).toHaveLength(1);
    expect(hooks.items[0]).not.toHaveProperty('secret');

    await page.getByRole('button', { name: 'Rotate the secret of CRM' }).click();
    await expect.poll(() => page.getByTestId('webhook-secret').textContent()).not.toBe(first);
    const rotated = (await page.getByTestId('webhook-secret').textContent()) ?? '';
    expect(rotated).toMatch(/^whsec_/);
    // The sender signs with the new secret; the old one is refused.
    const hookUrl = hooks.items[0]?.url ?? '';
    const body = JSON.stringify({ customer: { name: 'Globex' } });
    const send = (secret: string, id: string) => {
      const at = new Date();
      return page.request.post(hookUrl, {
        data: body,
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': new Webhook(secret).sign(id, at, body),
        },
      });
    };
    expect((await send(first, 'msg_old')).status()).toBe(401);
    expect((await send(rotated, 'msg_new')).status()).toBe(202);

    await page.getByRole('button', { name: 'Delete CRM' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete webhook' }).click();
    await page.getByText('No webhooks').waitFor();
  });

  it('lists governance activity, exports evidence, and verifies the bundle in the browser (and refuses a tampered one)', async () => {
    await nav(page, 'Governance').click();
    await page.locator('[data-action="policy.changed"]').first().waitFor();
    await page.getByLabel('Action').fill('user.*');
    await page.locator('[data-action="policy.changed"]').first().waitFor({ state: 'detached' });
    await page.locator('[data-action="user.removed"]').first().waitFor();
    await page.locator('[data-action="user.role_changed"]').first().waitFor();
    await snap(page, '15-governance', 'activity');

    // Signed from here on: the bundle's manifest carries a signature the browser checks.
    await setSigning(server.deps, server.deps.admin, true);
    await page.getByRole('tab', { name: 'Evidence export' }).click();
    await page.getByLabel('Agent').selectOption(agentId);
    await page.getByRole('button', { name: 'Start export' }).click();
    const done = page.locator('[data-export-status="completed"]');
    await done.waitFor({ timeout: 30_000 });
    await snap(page, '15-governance', 'export');
    const href = (await done.getByRole('link', { name: 'Download bundle' }).getAttribute('href')) ?? '';
    const download = await page.request.get(href);
    expect(download.status()).toBe(200);
    const bundle = Buffer.from(await download.body());

    await page.getByRole('tab', { name: 'Verify a bundle' }).click();
    await page.getByTestId('document-input').setInputFiles({
      name: 'evidence.zip',
      mimeType: 'application/zip',
      buffer: bundle,
    });
    await page.locator('[data-verdict="verified"]').waitFor();
    await page.getByRole('heading', { name: 'Bundle verified' }).waitFor();
    await expect(page.getByTestId('signatures').textContent()).resolves.toMatch(/^(\d+) of \1 valid$/);
    await snap(page, '15-governance', 'verified');

    // One byte of one record changed: the page names the entry.
    const entries = unzipSync(new Uint8Array(bundle));
    const record = Object.keys(entries).find((name) => name.startsWith('records/'));
    expect(record, 'the bundle has records').toBeDefined();
    const bytes = Uint8Array.from(entries[record ?? ''] ?? []);
    const at = bytes.indexOf('{'.charCodeAt(0)) + 1;
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    const tampered = zipSync({ ...entries, [record ?? '']: bytes });
    await page.getByTestId('document-input').setInputFiles({
      name: 'tampered.zip',
      mimeType: 'application/zip',
      buffer: Buffer.from(tampered),
    });
    await page.locator('[data-verdict="failed"]').waitFor();
    await page
      .getByRole('table', { name: 'Entries that do not match' })
      .getByRole('cell', { name: record ?? '', exact: true })
      .waitFor();
    await snap(page, '15-governance', 'tampered');
  });
});
