import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.ts';
import { isFinalStatus } from '../../engine/statuses.ts';
import { assertCan } from '../../identity/permissions.ts';
import { getRunRowOrThrow } from '../../runs/get-run.ts';
import { readRunEvents } from '../../runs/run-events.ts';
import { authenticateOrThrow } from '../authenticate.ts';

/** Comment lines keep proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
/** Catches events committed by other processes until LISTEN/NOTIFY carries them here too. */
const FALLBACK_POLL_MS = 1000;

/**
 * `GET /api/runs/:id/events`: the run's event log as server-sent events. It replays what the
 * client has not seen (`Last-Event-ID` header or `?after=`), then follows live. With
 * `?untilDone=1` it ends once the run reaches a final status (for CLIs and scripts).
 */
export function registerRunEventStream(app: FastifyInstance, deps: Deps): void {
  app.get<{ Params: { id: string }; Querystring: { after?: string; untilDone?: string } }>(
    '/api/runs/:id/events',
    async (request, reply) => {
      const actor = await authenticateOrThrow(deps, request);
      assertCan(actor, 'runs.read');
      const run = await getRunRowOrThrow(deps, actor, request.params.id);
      const lastEventId = Number(request.headers['last-event-id'] ?? request.query.after ?? 0);
      let cursor = Number.isFinite(lastEventId) && lastEventId > 0 ? lastEventId : 0;
      const untilDone = request.query.untilDone === '1' || request.query.untilDone === 'true';

      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      out.write('retry: 2000\n\n');

      let closed = false;
      let draining: Promise<void> | undefined;
      let again = false;
      const close = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(keepalive);
        clearInterval(poll);
        out.end();
      };
      const drain = async () => {
        do {
          again = false;
          const events = await readRunEvents(deps.store.db, actor.orgId, run.id, cursor);
          for (const event of events) {
            if (closed) return;
            cursor = event.seq;
            out.write(
              `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify({ ...event, runId: run.id })}\n\n`,
            );
            if (
              untilDone &&
              event.type === 'run.status' &&
              isFinalStatus((event.data as { status: string }).status)
            ) {
              close();
              return;
            }
          }
          if (events.length === 500) again = true;
        } while (again && !closed);
      };
      const wake = () => {
        if (closed) return;
        if (draining) {
          again = true;
          return;
        }
        draining = drain()
          .catch((error: unknown) => {
            request.log.warn({ err: error }, 'run event stream failed');
            close();
          })
          .finally(() => {
            draining = undefined;
          });
      };
      const unsubscribe = deps.bus.subscribe(`run:${run.id}`, wake);
      const keepalive = setInterval(() => out.write(': keepalive\n\n'), KEEPALIVE_MS);
      const poll = setInterval(wake, FALLBACK_POLL_MS);
      request.raw.on('close', close);
      wake();
      // A run that already ended and has nothing new: close at once when asked to.
      if (untilDone && isFinalStatus(run.status) && cursor >= run.event_seq) close();
    },
  );
}
