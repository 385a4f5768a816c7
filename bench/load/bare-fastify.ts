import Fastify from 'fastify';

/**
 * The peer of the load benchmark: a bare Fastify server with the two routes the benchmark calls,
 * answering bodies of the same shape from memory. What Node and Fastify cost on this machine
 * with no authentication, validation or database: the ceiling the real server is compared with.
 */
const port = Number(process.env.PORT ?? 0);
const app = Fastify({ logger: false });
let next = 0;
const runs: Array<{ id: string; name: string; status: string; createdAt: string }> = [];
app.post<{ Body: { variables?: Record<string, unknown> } }>(
  '/api/agents/:id/runs',
  async (request, reply) => {
    const id = `run_${(next++).toString(36).padStart(12, '0')}`;
    const run = {
      id,
      name: `Load — ${String(request.body?.variables?.customer ?? '')}`,
      status: 'new',
      createdAt: new Date().toISOString(),
    };
    runs.unshift(run);
    if (runs.length > 50) runs.pop();
    reply.code(201);
    return run;
  },
);
app.get('/api/runs', async () => ({ items: runs.slice(0, 20), nextCursor: null }));
await app.listen({ port, host: '127.0.0.1' });
const address = app.server.address();
console.log(`listening on ${typeof address === 'object' && address ? address.port : port}`);
