import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent } from '../src/agents/agent-service.ts';
import { createManualClock, type ManualClock } from '../src/platform/clock.ts';
import { getRunOrThrow } from '../src/runs/get-run.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { storeKinds } from './support/test-deps.ts';

interface HookBody {
  id: string;
  url: string;
  secret?: string;
}

const agent = {
  name: 'Ticket triage',
  variables: [
    { name: 'customer', type: 'string', required: true },
    { name: 'priority', type: 'number', default: 3 },
    { name: 'tag', type: 'string' },
  ],
  steps: [{ name: 'Triage', prompt: 'Triage {{ vars.customer }} at {{ vars.priority }} {{ vars.tag }}' }],
};

describe.each(storeKinds)('webhooks on %s', (kind) => {
  let api: ApiHarness;
  let clock: ManualClock;
  let hook: HookBody;
  beforeEach(async () => {
    clock = createManualClock(Date.parse('2026-05-01T10:00:00Z'));
    api = await createApiHarness(kind, { clock });
    const { id } = await createAgent(api.deps, api.deps.admin, agent);
    const created = await api.call<HookBody>('POST', `/api/agents/${id}/webhooks`, {
      variables: { customer: '/customer/name', priority: '/priority', tag: '/tags/0/0~1x' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    hook = created.body;
  });
  afterEach(async () => {
    await api.close();
  });

  const send = (body: string, headers: Record<string, string>) =>
    api.call<{ runId: string } & ErrorResponse>('POST', hook.url, body, { token: null, headers });
  const signed = (body: string, options: { id?: string; at?: number; secret?: string } = {}) => {
    const id = options.id ?? 'msg_1';
    const at = new Date(options.at ?? clock.now());
    return {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(options.secret ?? hook.secret ?? '').sign(id, at, body),
    };
  };
  const runCount = async () =>
    Number(
      (
        await api.deps.store.db
          .selectFrom('runs')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst()
      )?.n,
    );
  const payload = JSON.stringify({ customer: { name: 'Acme' }, priority: 1, tags: [{ '0/x': 'vip' }] });

  it('shows the secret once, in the Standard Webhooks form', async () => {
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(hook.url).toBe(`/api/hooks/${hook.id}`);
    const list = await api.call<{ items: HookBody[] }>(
      'GET',
      `/api/agents/${(await firstAgent()).id}/webhooks`,
    );
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).not.toHaveProperty('secret');
  });
  const firstAgent = async () =>
    api.deps.store.db.selectFrom('agents').select('id').executeTakeFirstOrThrow();

  it('starts a run from a signed request, its variables taken by JSON Pointer, and answers 202 with the run id', async () => {
    const response = await send(payload, signed(payload));
    expect(response.status).toBe(202);
    const run = await getRunOrThrow(api.deps, api.deps.admin, response.body.runId);
    expect(run.trigger).toEqual({ kind: 'webhook', by: hook.id });
    expect(Object.fromEntries(run.variables.map((v) => [v.name, v.value]))).toEqual({
      customer: 'Acme',
      priority: 1,
      tag: 'vip',
    });
  });

  it('rotates the secret: the new one is shown once and the old one is refused', async () => {
    const oldSecret = hook.secret ?? '';
    const agentId =
      hook.url === ''
        ? ''
        : (await api.deps.store.db.selectFrom('webhooks').select('agent_id').executeTakeFirstOrThrow())
            .agent_id;
    const rotated = await api.call<HookBody>(
      'POST',
      `/api/agents/${agentId}/webhooks/${hook.id}/rotate-secret`,
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(rotated.body.secret).not.toBe(oldSecret);
    expect(rotated.body.url).toBe(hook.url);
    const withOld = await send(payload, signed(payload, { id: 'msg_old', secret: oldSecret }));
    expect(withOld.status).toBe(401);
    expect(withOld.body.error.code).toBe('webhook_signature_invalid');
    const withNew = await send(
      payload,
      signed(payload, { id: 'msg_new', secret: rotated.body.secret ?? '' }),
    );
    expect(withNew.status).toBe(202);
    const missing = await api.call('POST', `/api/agents/${agentId}/webhooks/whk_missing/rotate-secret`);
    expect(missing.status).toBe(404);
  });

  it('refuses unsigned, forged, stale, replayed, oversized and malformed requests and starts nothing', async () => {
    const unsigned = await send(payload, {});
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error.code).toBe('webhook_unsigned');

    const otherSecret = `whsec_${Buffer.from('another secret of 24 byte').toString('base64')}`;
    const forged = await send(payload, signed(payload, { secret: otherSecret }));
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('webhook_signature_invalid');

    const tampered = await send(payload.replace('Acme', 'Evil'), signed(payload));
    expect(tampered.body.error.code).toBe('webhook_signature_invalid');

    const stale = await send(payload, signed(payload, { at: clock.now() - 6 * 60 * 1000 }));
    expect(stale.status).toBe(401);
    expect(stale.body.error.code).toBe('webhook_timestamp_stale');
    const future = await send(payload, signed(payload, { at: clock.now() + 6 * 60 * 1000 }));
    expect(future.body.error.code).toBe('webhook_timestamp_stale');

    const big = JSON.stringify({ customer: { name: 'x'.repeat(api.deps.config.bodyLimitBytes) } });
    const oversized = await send(big, signed(big));
    expect(oversized.status).toBe(413);
    expect(oversized.body.error.code).toBe('payload_too_large');

    const malformed = await send('{"customer":', signed('{"customer":', { id: 'msg_bad' }));
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details[0]?.path).toBe('body');

    const noCustomer = JSON.stringify({ priority: 2 });
    const missing = await send(noCustomer, signed(noCustomer, { id: 'msg_missing' }));
    expect(missing.status).toBe(400);
    expect(missing.body.error.details[0]?.path).toBe('variables.customer');

    const unknownHook = await api.call<ErrorResponse>('POST', '/api/hooks/whk_nope', payload, {
      token: null,
      headers: signed(payload),
    });
    expect(unknownHook.status).toBe(404);
    expect(await runCount()).toBe(0);

    const first = await send(payload, signed(payload, { id: 'msg_once' }));
    expect(first.status).toBe(202);
    clock.advance(60_000);
    const replay = await send(payload, signed(payload, { id: 'msg_once' }));
    expect(replay.status).toBe(409);
    expect(replay.body.error.code).toBe('webhook_replayed');
    expect(await runCount()).toBe(1);
  });

  it('refuses a mapping to an unknown variable or a bad JSON Pointer with a 400 naming it', async () => {
    const { id } = await firstAgent();
    const bad = await api.call<ErrorResponse>('POST', `/api/agents/${id}/webhooks`, {
      variables: { customer: 'customer', nope: '/x' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d) => d.path).sort()).toEqual([
      'variables.customer',
      'variables.nope',
    ]);
  });
});
