import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AgentView } from '../src/agents/agent-service.ts';
import { createAgent } from '../src/agents/agent-service.ts';
import type { McpServerView } from '../src/tools/mcp-servers.ts';
import { launchChromium, newPage, screenshotOnFailure, signIn, snap } from './support/browser-session.ts';
import { assertChromiumOrSkip } from './support/chromium.ts';
import { startHttpMcpServer } from './support/mcp-test-server.ts';
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

/** The suite's own MCP server (test/support/mcp-test-server.ts), spawned over stdio by the server. */
const serverCommand = process.execPath;
const serverArgs = [path.resolve('bin/run-ts.js'), path.resolve('test/support/mcp-test-server.ts')];
const envSecret = 'mcp-env-secret-value-4711';

/**
 * Issue 07's pages: an administrator registers an MCP server in Settings and sees its tools, an
 * agent's step is given one of them and a built-in tool with the agent's tool settings, and the
 * saved definition is read back from the API; roles without `settings.manage` see no registration.
 */
describe.skipIf(!runBrowser)('web UI: connected tools', { timeout: 120_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let page: Page;
  let agentId = '';
  let helperId = '';

  beforeAll(async () => {
    const webDir = inject('webDir');
    expect(webDir, 'the global setup built the web UI').not.toBe('');
    server = await startWebServer(webDir);
    browser = await launchChromium();
    ({ page } = await newPage(browser, server.url));
    await signIn(page, server.deps.adminEmail, server.deps.adminPassword);
    const helper = await createAgent(server.deps, server.deps.admin, {
      name: 'Helper',
      steps: [{ name: 'Answer', prompt: 'Helping.' }],
    });
    helperId = helper.id;
    const agent = await createAgent(server.deps, server.deps.admin, {
      name: 'Tool user',
      steps: [{ name: 'Ask', prompt: 'Use the tools.' }],
    });
    agentId = agent.id;
  }, 60_000);

  screenshotOnFailure('tools-', () => page);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('registers a stdio MCP server, refusing bad fields at the field, and lists its tools', async () => {
    await nav(page, 'Settings').click();
    await page.getByRole('heading', { name: 'MCP servers' }).waitFor();
    const form = page.getByRole('form', { name: 'Register an MCP server' });

    // Bad input: each rule at the field it names.
    await form.getByLabel('Server name').fill('Local Files');
    await form.getByRole('button', { name: 'Add variable' }).click();
    await form.getByLabel('Environment: variable name 1').fill('BAD KEY');
    await form.getByLabel('Environment: variable value 1').fill('x');
    await form.getByRole('button', { name: 'Register server' }).click();
    await page.locator('#mcp-name-error').waitFor();
    expect(await page.locator('#mcp-name-error').textContent()).toMatch(/lower-case/);
    expect(await page.locator('#mcp-command-error').textContent()).toBe('must not be empty');
    expect(await page.locator('#mcp-env-error').textContent()).toMatch(
      /^BAD KEY: must be an environment variable name/,
    );
    expect(await getJson<{ items: unknown[] }>(page, '/api/mcp-servers')).toEqual({ items: [] });

    await form.getByLabel('Server name').fill('local');
    await form.getByLabel('Command').fill(serverCommand);
    await form.getByLabel('Arguments').fill(serverArgs.join('\n'));
    await form.getByLabel('Environment: variable name 1').fill('TEST_TOKEN');
    await form.getByLabel('Environment: variable value 1').fill(envSecret);
    await form.getByRole('button', { name: 'Register server' }).click();

    const row = page.locator('[data-mcp-server="local"]');
    await row.waitFor();
    expect(await row.getByRole('listitem').allTextContents()).toEqual(['TEST_TOKEN']);
    expect(await row.textContent()).toContain(serverArgs[1]);
    // The tools show once the server has been started and asked.
    const tools = page.getByRole('list', { name: 'Tools of local' });
    await tools.locator('[data-tool="mcp:local/echo"]').waitFor({ timeout: 30_000 });
    expect(await tools.locator('[data-tool="mcp:local/echo"]').textContent()).toMatch(
      /echo.*read-only.*Echoes its text/,
    );
    expect(await tools.locator('[data-tool]').count()).toBe(5);
    // The secret was typed once and is neither on the page nor in the API's answer.
    expect(await page.content()).not.toContain(envSecret);
    const listed = await getJson<{ items: McpServerView[] }>(page, '/api/mcp-servers');
    expect(listed.items).toMatchObject([
      {
        name: 'local',
        transport: 'stdio',
        command: serverCommand,
        args: serverArgs,
        envNames: ['TEST_TOKEN'],
      },
    ]);
    expect(JSON.stringify(listed)).not.toContain(envSecret);

    // A second server of the same name: the conflict shows at the name.
    await form.getByLabel('Server name').fill('local');
    await form.getByLabel('Transport').selectOption('http');
    await form.getByLabel('URL').fill('https://mcp.example.com/mcp');
    await form.getByRole('button', { name: 'Register server' }).click();
    await page.locator('#mcp-name-error').waitFor();
    expect(await page.locator('#mcp-name-error').textContent()).toMatch(/already exists/);
    await page.locator('#mcp-servers').scrollIntoViewIfNeeded();
    await snap(page, '20-tools', 'mcp-servers');
  });

  it("chooses an MCP tool and a built-in tool for a step with the agent's tool settings, and saves them", async () => {
    await page.goto(`/agents/${agentId}`);
    const mcpTool = page.getByRole('checkbox', { name: 'Step 1 may call mcp:local/echo' });
    await mcpTool.waitFor({ timeout: 30_000 });
    await mcpTool.check();
    await page.getByRole('checkbox', { name: 'Step 1 may call http_request' }).check();

    // http_request with no allowed host could never be called: refused at the step's tools.
    await page.getByRole('button', { name: 'Save new version' }).click();
    await page.locator('#f-steps-0-tools-error').waitFor();
    expect(await page.locator('#f-steps-0-tools-error').textContent()).toBe(
      'http_request needs toolSettings.allowedHosts',
    );
    // A host that is not one: refused at the hosts.
    await page.getByLabel('Allowed hosts for http_request').fill('api.example.com\nNot A Host!');
    await page.getByRole('button', { name: 'Save new version' }).click();
    await page.locator('#f-toolSettings-allowedHosts-error').waitFor();
    expect(await page.locator('#f-toolSettings-allowedHosts-error').textContent()).toMatch(
      /must be a host name/,
    );

    await page.getByLabel('Allowed hosts for http_request').fill('api.example.com\n*.docs.example.com');
    await page
      .getByRole('group', { name: 'Agents invoke_agent may run' })
      .getByRole('checkbox', { name: 'Helper' })
      .check();
    await page.getByLabel('Step 1 tool rounds').fill('4');
    await page.getByRole('button', { name: 'Save new version' }).click();
    await page.getByText('Saved as version 2.').waitFor();

    const agent = await getJson<AgentView>(page, `/api/agents/${agentId}`);
    expect(agent.steps[0]).toMatchObject({ tools: ['mcp:local/echo', 'http_request'], maxToolRounds: 4 });
    expect(agent.toolSettings).toEqual({
      allowedHosts: ['api.example.com', '*.docs.example.com'],
      allowPrivateAddresses: false,
      invokableAgentIds: [helperId],
    });

    // Opened again, the editor shows what was saved.
    await page.reload();
    await page.getByRole('checkbox', { name: 'Step 1 may call mcp:local/slow' }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('checkbox', { name: 'Step 1 may call mcp:local/echo' }).isChecked()).toBe(
      true,
    );
    expect(await page.getByRole('checkbox', { name: 'Step 1 may call http_request' }).isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: 'Step 1 may call search_sites' }).isChecked()).toBe(
      false,
    );
    await page.getByRole('heading', { name: 'Steps' }).scrollIntoViewIfNeeded();
    await snap(page, '20-tools', 'step-tools');
  });

  it('shows an editor the tools to choose but no MCP server registration, and a viewer neither', async () => {
    for (const role of ['editor', 'viewer'] as const) {
      const user = await server.deps.addUser(role);
      const other = await newPage(browser, server.url);
      try {
        await signIn(other.page, user.email, 'password');
        await nav(other.page, 'Settings').click();
        await other.page.getByRole('heading', { name: 'API tokens' }).waitFor();
        expect(await other.page.getByRole('heading', { name: 'MCP servers' }).count(), role).toBe(0);
        expect(await other.page.getByRole('button', { name: 'Register server' }).count(), role).toBe(0);

        await other.page.goto(`/agents/${agentId}`);
        const chosen = other.page.getByRole('checkbox', { name: 'Step 1 may call mcp:local/echo' });
        await chosen.waitFor({ timeout: 30_000 });
        expect(await chosen.isChecked(), role).toBe(true);
        if (role === 'editor') {
          // An editor builds agents: every listed tool is there to choose.
          await other.page.getByRole('checkbox', { name: 'Step 1 may call mcp:local/slow' }).waitFor();
          expect(await chosen.isDisabled()).toBe(false);
        } else {
          // A viewer reads the choice; the servers are not asked (the API would refuse).
          expect(await chosen.isDisabled()).toBe(true);
          expect(
            await other.page.getByRole('checkbox', { name: 'Step 1 may call mcp:local/slow' }).count(),
          ).toBe(0);
          expect(await other.page.getByText('MCP servers:').count()).toBe(0);
        }
      } finally {
        await other.context.close();
      }
    }
  });

  it('deletes an MCP server after asking', async () => {
    await nav(page, 'Settings').click();
    await page.getByRole('button', { name: 'Delete MCP server local' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Keep it' }).click();
    expect((await getJson<{ items: unknown[] }>(page, '/api/mcp-servers')).items).toHaveLength(1);
    await page.getByRole('button', { name: 'Delete MCP server local' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete server' }).click();
    await page.locator('[data-mcp-server="local"]').waitFor({ state: 'detached' });
    expect((await getJson<{ items: unknown[] }>(page, '/api/mcp-servers')).items).toEqual([]);

    // The step keeps the tool it lists, shown as no longer offered, so it can be removed.
    await page.goto(`/agents/${agentId}`);
    const orphan = page.locator('[data-tool="mcp:local/echo"]');
    await orphan.getByText('not offered by any registered MCP server now').waitFor();
  });

  it('registers a streamable HTTP server whose header reaches it and is never shown', async () => {
    const remote = await startHttpMcpServer();
    const headerSecret = 'Bearer header-secret-0815';
    try {
      await nav(page, 'Settings').click();
      const form = page.getByRole('form', { name: 'Register an MCP server' });
      await form.getByLabel('Server name').fill('remote');
      await form.getByLabel('Transport').selectOption('http');
      await form.getByLabel('URL').fill(remote.url);
      // The server is on loopback: refused at the URL until private addresses are allowed for it.
      await form.getByRole('button', { name: 'Register server' }).click();
      await form.getByText('set allowPrivateAddresses: true to register a server there').waitFor();
      await form.getByLabel('Allow loopback, link-local and private addresses').check();
      await form.getByRole('button', { name: 'Add header' }).click();
      await form.getByLabel('Headers: header name 1').fill('Authorization');
      await form.getByLabel('Headers: header value 1').fill(headerSecret);
      await form.getByRole('button', { name: 'Register server' }).click();

      const row = page.locator('[data-mcp-server="remote"]');
      await row.waitFor();
      expect(await row.getByRole('listitem').allTextContents()).toEqual(['Authorization']);
      expect(await row.textContent()).toContain(remote.url);
      expect(await row.textContent()).toContain('private addresses allowed');
      await page
        .getByRole('list', { name: 'Tools of remote' })
        .locator('[data-tool="mcp:remote/echo"]')
        .waitFor({ timeout: 30_000 });
      expect(remote.authorizations).toContain(headerSecret);
      expect(await page.content()).not.toContain(headerSecret);
      const listed = await getJson<{ items: McpServerView[] }>(page, '/api/mcp-servers');
      expect(listed.items).toMatchObject([
        {
          name: 'remote',
          transport: 'http',
          url: remote.url,
          headerNames: ['Authorization'],
          envNames: [],
          allowPrivateAddresses: true,
        },
      ]);
      expect(JSON.stringify(listed)).not.toContain(headerSecret);
    } finally {
      await remote.close();
    }
  });
});
