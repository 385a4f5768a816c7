import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.ts';
import { isFinalStatus } from '../../engine/statuses.ts';
import { assertCan } from '../../identity/permissions.ts';
import { deltaChannel } from '../../models/model-step-runner.ts';
import { getRunRowOrThrow } from '../../runs/get-run.ts';
import { readRunEvents } from '../../runs/run-events.ts';
import { runInOrganization } from '../../store/tenant-scope.ts';
import { assertStorableInputOrThrow } from '../assert-storable-input.ts';
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
  // A hijacked reply is invisible to Fastify: without this, `app.close()` (SIGTERM in `serve`)
  // waited for every follower, e.g. a CLI `run --wait`, to hang up by itself.
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const close of [...open]) close();
  });
  app.get<{ Params: { id: string }; Querystring: { after?: string; untilDone?: string } }>(
    '/api/runs/:id/events',
    async (request, reply) => {
      const actor = await authenticateOrThrow(deps, request);
      return runInOrganization(actor.orgId, async () => {
        assertCan(actor, 'runs.read');
        assertStorableInputOrThrow(request.params, 'params');
        const run = await getRunRowOrThrow(deps, actor, request.params.id);
        const lastEventId = Number(request.headers['last-event-id'] ?? request.query.after ?? 0);
        let cursor = Number.isFinite(lastEventId) && lastEventId > 0 ? lastEventId : 0;
        const untilDone = request.query.untilDone === '1' || request.query.untilDone === 'true';
        // A run that had already ended: replay what the client has not seen, then end. Waiting for a
        // final status event instead hung when the client had seen it and a rename or archive followed.
        const endAfterReplay = untilDone && isFinalStatus(run.status);

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
          open.delete(close);
          unsubscribe();
          unsubscribeDeltas();
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
          if (endAfterReplay) close();
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
              // A wake-up that came after the last read but before this line would otherwise wait
              // for the fallback poll: a second of lag on a live run.
              if (again) wake();
            });
        };
        const unsubscribe = deps.bus.subscribe(`run:${run.id}`, wake);
        // Output deltas are live only: no id (a resumed stream replays the log, whose step.finished
        // holds the whole output), and never stored, so streaming costs no commit per token.
        const unsubscribeDeltas = deps.bus.subscribe(deltaChannel(run.id), (payload) => {
          if (!closed)
            out.write(
              `event: step.delta\ndata: {"type":"step.delta","runId":"${run.id}","data":${payload}}\n\n`,
            );
        });
        const keepalive = setInterval(() => out.write(': keepalive\n\n'), KEEPALIVE_MS);
        const poll = setInterval(wake, FALLBACK_POLL_MS);
        open.add(close);
        // The response's close, not the request's: it fires when the client goes away mid-stream.
        out.on('close', close);
        wake();
      });
    },
  );
}
