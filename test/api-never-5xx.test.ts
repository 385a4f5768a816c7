import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentView } from '../src/agents/agent-service.ts';
import type { RunDetails } from '../src/runs/run-view.ts';
import { type ApiHarness, createApiHarness } from './support/api-harness.ts';
import { reportAgent, storeKinds } from './support/test-deps.ts';

/** Runs per property: enough to hit NULs, lone surrogates, huge numbers and deep nesting; AGENTRUNS_FUZZ_RUNS=5000 digs deeper. */
const NUM_RUNS = Number(process.env.AGENTRUNS_FUZZ_RUNS ?? 150);

/** The field names the write routes read, so random bodies reach past the first shape check. */
const knownKeys = [
  'name',
  'description',
  'variables',
  'modelSettings',
  'model',
  'reasoningEffort',
  'temperature',
  'maxOutputTokens',
  'stepOverrides',
  'step',
  'steps',
  'prompt',
  'system',
  'key',
  'output',
  'format',
  'siteIds',
  'notification',
  'on',
  'email',
  'webhook',
  'start',
  'agentVersion',
  'archived',
  'fromStep',
  'latestVersion',
  'action',
  'ids',
  'filter',
  'q',
  'status',
  'trigger',
  'customer',
  'period',
  'type',
  'required',
  'default',
  'password',
  'data',
  'when',
  'count',
  'flag',
];

/** Strings that have broken servers: NUL, lone surrogates, SQL and template syntax, huge numbers. */
const nastyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udfff x',
    "'; DROP TABLE runs; --",
    '{{ vars.customer',
    '{% raw %}',
    '{{ steps.gather.output }}',
    '__proto__',
    'constructor',
    '9'.repeat(400),
    '-1',
    '1e309',
    'simulated/default',
    'nosuch/model',
    'run_',
    'agt_',
    '%',
    '*',
    '"',
    ' ',
    '',
  ),
);

const jsonLeaf = fc.oneof(
  nastyString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, true, false, null),
);

/** Objects shaped like our bodies, with the right keys and wrong (or right) values, nested. */
const shapedValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    jsonLeaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...knownKeys), nastyString), tie('value'), { maxKeys: 6 }),
  ),
})).value;

/** Every byte of the UTF-8 of `text` percent-encoded; lone surrogates become U+FFFD as on the wire. */
const percentEncode = (text: string) =>
  [...Buffer.from(text)].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');

/** Arrays or objects nested `depth` deep: recursion in a parser, a validator or JSON.stringify. */
const deeplyNested = fc
  .tuple(fc.integer({ min: 1, max: 100_000 }), fc.boolean())
  .map(([depth, objects]) =>
    objects
      ? `${'{"variables":'.repeat(depth)}1${'}'.repeat(depth)}`
      : `${'['.repeat(depth)}${']'.repeat(depth)}`,
  )
  .chain((nested) =>
    fc.constantFrom(
      `{"variables":{"customer":"Acme","period":${nested}},"name":${nested}}`,
      `{"variables":{"data":${nested}}}`,
      `{"steps":${nested}}`,
    ),
  );

/** A request body as text: valid JSON of any shape, shaped JSON, or not JSON at all. */
const bodyText = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  shapedValue.map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('', '{', '{"a":', '[1,2', 'null', '""', '{"__proto__": {"x": 1}}', '{"constructor": {}}'),
  deeplyNested,
);

/** A query string: known parameter names with nasty values, random names, and raw bad escapes. */
const queryString = fc.oneof(
  fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(
            'q',
            'agentId',
            'status',
            'trigger',
            'archived',
            'sort',
            'limit',
            'cursor',
            'after',
          ),
          nastyString,
        ),
        fc.oneof(nastyString, fc.integer().map(String)),
      ),
      { maxLength: 5 },
    )
    .map((pairs) => pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&')),
  fc.constantFrom('%', '%zz', 'q=%ff', 'q=%00', 'limit[]=1', 'status=new&status=failed', 'q', '&&&', '=x'),
);

describe.each(storeKinds)('API under arbitrary input on %s', (kind) => {
  let api: ApiHarness;
  let agentId: string;
  let jsonAgentId: string;
  let runId: string;
  beforeAll(async () => {
    api = await createApiHarness(kind);
    agentId = (await api.call<AgentView>('POST', '/api/agents', reportAgent)).body.id;
    jsonAgentId = (
      await api.call<AgentView>('POST', '/api/agents', {
        name: 'Takes JSON',
        variables: [
          { name: 'data', type: 'json' },
          { name: 'when', type: 'date' },
          { name: 'count', type: 'number' },
          { name: 'flag', type: 'boolean' },
        ],
        steps: [{ name: 'Echo', prompt: '{{ vars.data }} {{ vars.when }} {{ vars.count }} {{ vars.flag }}' }],
      })
    ).body.id;
    runId = (
      await api.call<RunDetails>('POST', `/api/agents/${agentId}/runs`, {
        variables: { customer: 'Acme' },
        start: false,
      })
    ).body.id;
  });
  afterAll(async () => {
    await api.close();
  });

  const writeRoutes = (): Array<['POST' | 'PATCH', string]> => [
    ['POST', '/api/agents'],
    ['PATCH', `/api/agents/${agentId}`],
    ['POST', `/api/agents/${agentId}/runs`],
    ['POST', `/api/agents/${jsonAgentId}/runs`],
    ['PATCH', `/api/runs/${runId}`],
    ['POST', `/api/runs/${runId}/start`],
    ['POST', `/api/runs/${runId}/cancel`],
    ['POST', `/api/runs/${runId}/rerun`],
    ['POST', `/api/runs/${runId}/duplicate`],
    ['POST', '/api/runs/bulk'],
    ['POST', '/api/auth/login'],
  ];

  it('answers every write route below 500, whatever the body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: writeRoutes().length - 1 }), bodyText, async (i, body) => {
        const [method, url] = writeRoutes()[i] ?? ['POST', '/api/agents'];
        const res = await api.call(method, url, body);
        expect(res.status, `${method} ${url} ${body} → ${res.raw.body}`).toBeLessThan(500);
        expect(res.status).toBeGreaterThanOrEqual(200);
      }),
      { numRuns: NUM_RUNS * 2 },
    );
  });

  it('answers every write route below 500 for bodies shaped like its own', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: writeRoutes().length - 1 }),
        fc.dictionary(fc.constantFrom(...knownKeys), shapedValue, { maxKeys: 5 }),
        async (i, body) => {
          const [method, url] = writeRoutes()[i] ?? ['POST', '/api/agents'];
          const res = await api.call(method, url, body);
          expect(res.status, `${method} ${url} ${JSON.stringify(body)} → ${res.raw.body}`).toBeLessThan(500);
        },
      ),
      { numRuns: NUM_RUNS * 2 },
    );
  });

  it('answers valid agents with nasty text in every field below 500', async () => {
    await fc.assert(
      fc.asyncProperty(nastyString, nastyString, nastyString, async (name, prompt, value) => {
        const created = await api.call<AgentView>('POST', '/api/agents', {
          ...reportAgent,
          name: `x${name}`,
          description: name,
          steps: [
            { name: `s${name}`, prompt: `p ${prompt} {{ vars.customer }}` },
            ...reportAgent.steps.slice(1),
          ],
        });
        expect(created.status, created.raw.body).toBeLessThan(500);
        const run = await api.call('POST', `/api/agents/${agentId}/runs`, {
          name: `r${value}`,
          variables: { customer: value || 'x', period: value },
          start: false,
        });
        expect(run.status, run.raw.body).toBeLessThan(500);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('answers the read routes below 500, whatever the query string', async () => {
    const readUrls = [
      '/api/runs',
      '/api/agents',
      `/api/agents/${agentId}/versions`,
      `/api/runs/${runId}/attempts`,
    ];
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: readUrls.length - 1 }), queryString, async (i, query) => {
        const url = `${readUrls[i]}?${query}`;
        const res = await api.call('GET', url);
        expect(res.status, `GET ${url} → ${res.raw.body}`).toBeLessThan(500);
      }),
      { numRuns: NUM_RUNS * 2 },
    );
  });

  it('answers ids of any text below 500', async () => {
    await fc.assert(
      fc.asyncProperty(nastyString, fc.constantFrom('GET', 'PATCH', 'DELETE'), async (id, method) => {
        const url = `/api/runs/${percentEncode(id) || 'x'}`;
        const res = await api.call(method as 'GET', url, method === 'PATCH' ? { name: 'x' } : undefined);
        expect(res.status, `${method} ${url} → ${res.raw.body}`).toBeLessThan(500);
        const agent = await api.call('GET', `/api/agents/${percentEncode(id) || 'x'}/versions`);
        expect(agent.status, agent.raw.body).toBeLessThan(500);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
