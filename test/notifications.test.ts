import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent } from '../src/agents/agent-service.ts';
import { createWorker } from '../src/engine/worker.ts';
import { createNotifier } from '../src/notify/notifier.ts';
import { createManualClock, type ManualClock } from '../src/platform/clock.ts';
import { createRun } from '../src/runs/create-run.ts';
import { cancelRun } from '../src/runs/run-actions.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { storeKinds, type TestDeps } from './support/test-deps.ts';

const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  verified: { type: string; data: { runId: string; status: string; url: string } } | undefined;
}

/** An HTTP receiver on loopback that verifies each request with `standardwebhooks`. */
async function startReceiver(statuses: number[]) {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      let verified: Received['verified'];
      try {
        verified = new Webhook(secret).verify(
          body,
          request.headers as Record<string, string>,
        ) as Received['verified'];
      } catch {
        verified = undefined;
      }
      received.push({ headers: request.headers, body, verified });
      response.statusCode = statuses.shift() ?? 204;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A real SMTP server on loopback; every message is parsed with mailparser. */
async function startSmtp() {
  const mails: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          mails.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe.each(storeKinds)('notifications on %s', (kind) => {
  let api: ApiHarness;
  let deps: TestDeps;
  let clock: ManualClock;
  const closers: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    // Near the real time: the receiver checks the signature's timestamp against its own clock.
    clock = createManualClock(Date.now());
    api = await createApiHarness(kind, { clock });
    deps = api.deps;
    deps.config.publicUrl = 'https://runs.example.com';
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await api.close();
  });

  const runAgent = async (model: string, notification: Record<string, unknown>) => {
    const agent = await createAgent(deps, deps.admin, {
      name: 'Nightly digest',
      modelSettings: { model },
      steps: [
        { name: 'One', prompt: 'First' },
        { name: 'Two', prompt: 'Second' },
      ],
      notification,
    });
    return createRun(deps, deps.admin, agent.id, { start: true }, { kind: 'manual', by: deps.admin.userId });
  };
  const notifier = (options = {}) => {
    const created = createNotifier(deps, { backoffMs: 10_000, ...options });
    closers.push(() => created.stop());
    return created;
  };

  it('emails a failed run over SMTP with a clear subject and a link to the run', async () => {
    const smtp = await startSmtp();
    closers.push(smtp.close);
    deps.config.smtpUrl = smtp.url;
    const failed = await runAgent('simulated/fail-at-step-2', { on: 'failure', email: ['ops@example.com'] });
    const fine = await runAgent('simulated/default', { on: 'failure', email: ['ops@example.com'] });
    await createWorker(deps).runOnce();
    await notifier().runOnce();
    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail?.subject).toBe('Run failed: Nightly digest');
    expect(mail?.text).toContain(`Open the run: https://runs.example.com/runs/${failed.id}`);
    expect(mail?.text).toContain('Error: step 2 (Two)');
    const to = mail?.to;
    expect(Array.isArray(to) ? to[0]?.text : to?.text).toBe('ops@example.com');
    const outbox = await deps.store.db.selectFrom('notification_outbox').selectAll().execute();
    expect(outbox.map((o) => [o.run_id, o.status])).toEqual([[failed.id, 'sent']]);
    expect(fine.id).not.toBe(failed.id);
  });

  it('sends a signed webhook, retrying with backoff after a failure, once per run', async () => {
    const receiver = await startReceiver([500]);
    closers.push(receiver.close);
    const run = await runAgent('simulated/default', {
      on: 'completion',
      webhook: receiver.url,
      webhookSecret: secret,
    });
    await createWorker(deps).runOnce();
    const sender = notifier();
    await sender.runOnce();
    expect(receiver.received).toHaveLength(1);
    await sender.runOnce();
    expect(receiver.received).toHaveLength(1);
    clock.advance(10_000);
    await sender.runOnce();
    await sender.runOnce();
    expect(receiver.received).toHaveLength(2);
    const [first, second] = receiver.received;
    expect(second?.verified).toMatchObject({
      type: 'run.completed',
      data: { runId: run.id, status: 'completed', url: `https://runs.example.com/runs/${run.id}` },
    });
    expect(first?.headers['webhook-id']).toBe(second?.headers['webhook-id']);
    const [row] = await deps.store.db.selectFrom('notification_outbox').selectAll().execute();
    expect(row).toMatchObject({ status: 'sent', tries: 2, last_error: null });
  });

  it('loses nothing to a crash: a run that ended before the crash is notified by the next process', async () => {
    const receiver = await startReceiver([]);
    closers.push(receiver.close);
    const run = await runAgent('simulated/default', {
      on: 'always',
      webhook: receiver.url,
      webhookSecret: secret,
    });
    await createWorker(deps).runOnce();
    // Canceled runs count for `always` too.
    const other = await runAgent('simulated/default', {
      on: 'always',
      webhook: receiver.url,
      webhookSecret: secret,
    });
    await cancelRun(deps, deps.admin, other.id);
    // The process died before any notifier pass: nothing is in the outbox yet, the attempts are unsettled.
    expect(await deps.store.db.selectFrom('notification_outbox').selectAll().execute()).toEqual([]);
    await notifier().runOnce();
    const types = receiver.received.map((r) => [r.verified?.data.runId, r.verified?.type]);
    expect(types.sort()).toEqual(
      [
        [run.id, 'run.completed'],
        [other.id, 'run.canceled'],
      ].sort(),
    );
    await notifier().runOnce();
    expect(receiver.received).toHaveLength(2);
  });

  it('shows an agent notification secret once, when it is set, and masks it on every read after', async () => {
    const rotated = `whsec_${Buffer.from('fedcba9876543210fedcba9876543210').toString('base64')}`;
    const receiver = await startReceiver([]);
    closers.push(receiver.close);
    const notification = { on: 'always', webhook: receiver.url, webhookSecret: secret };
    type AgentBody = { id: string; notification: { webhookSecret?: string } };
    const created = await api.call<AgentBody>('POST', '/api/agents', {
      name: 'Signed',
      steps: [{ name: 'One', prompt: 'x' }],
      notification,
    });
    expect(created.status).toBe(201);
    expect(created.body.notification.webhookSecret).toBe(secret);
    const id = created.body.id;
    const read = await api.call<AgentBody>('GET', `/api/agents/${id}`);
    expect(read.body.notification.webhookSecret).toBe('whsec_…');
    // An edit that does not set the secret (the UI sends the notification without it) keeps it, masked.
    const renamed = await api.call<AgentBody>('PATCH', `/api/agents/${id}`, {
      name: 'Signed, renamed',
      notification: { on: 'always', webhook: receiver.url },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.notification.webhookSecret).toBe('whsec_…');
    const rotation = await api.call<AgentBody>('PATCH', `/api/agents/${id}`, {
      notification: { ...notification, webhookSecret: rotated },
    });
    expect(rotation.body.notification.webhookSecret).toBe(rotated);
    for (const path of [`/api/agents/${id}`, `/api/agents/${id}/versions`]) {
      const answer = await api.call<unknown>('GET', path);
      expect(JSON.stringify(answer.body)).not.toContain(secret.slice(6));
      expect(JSON.stringify(answer.body)).not.toContain(rotated.slice(6));
    }
    const archived = await api.call<AgentBody>('DELETE', `/api/agents/${id}`);
    expect(archived.body.notification.webhookSecret).toBe('whsec_…');
    // The kept secret still signs: version 2 (the rename) carries the first one.
    const stored = await deps.store.db
      .selectFrom('agent_versions')
      .select(['version', 'definition'])
      .where('agent_id', '=', id)
      .orderBy('version')
      .execute();
    expect(stored.map((v) => JSON.parse(v.definition).notification.webhookSecret)).toEqual([
      secret,
      secret,
      rotated,
    ]);
  });

  it('refuses a notification webhook without its secret, and never shows the secret', async () => {
    const agent = await createAgent(deps, deps.admin, { name: 'A', steps: [{ name: 'One', prompt: 'x' }] });
    const refused = await api.call<ErrorResponse>('POST', `/api/agents/${agent.id}/runs`, {
      notification: { on: 'always', webhook: 'http://127.0.0.1:1/x' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0]?.path).toBe('notification.webhookSecret');
    const created = await api.call<{ notification: { webhookSecret: string } }>(
      'POST',
      `/api/agents/${agent.id}/runs`,
      { notification: { on: 'always', webhook: 'http://127.0.0.1:1/x', webhookSecret: secret } },
    );
    expect(created.status).toBe(201);
    expect(created.body.notification.webhookSecret).toBe('whsec_…');
  });
});
