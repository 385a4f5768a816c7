import type { Logger } from 'pino';
import type { Deps } from '../deps.ts';
import { createThreadRenderer, type FileRenderer } from '../files/file-renderer.ts';
import { createRecordSealer } from '../governance/record-sealer.ts';
import { createPolicyInstructions } from '../identity/policy-instructions.ts';
import { createModelStepRunner } from '../models/model-step-runner.ts';
import { CanceledError } from '../platform/errors.ts';
import type { ClaimedAttempt } from '../queue/queue-store.ts';
import { createStepSources } from '../sites/step-sources.ts';
import { createStepTools, type StepToolsOptions } from '../tools/step-tools.ts';
import { createAgentStepRunner } from '../triggers/agent-step.ts';
import { createDefinitionCache, loadAttemptContext } from './attempt-context.ts';
import { executeAttempt } from './execute-attempt.ts';
import { createStepCommitter, type StepCommitter } from './step-committer.ts';

export interface WorkerOptions {
  /** Names this worker in leases; defaults to a fresh id. */
  id?: string;
  /** Attempts in flight at once. Model calls are I/O, so hundreds are fine on one core. */
  concurrency?: number;
  /** How long a claim holds an attempt without a heartbeat. */
  leaseMs?: number;
  heartbeatIntervalMs?: number;
  /** Fallback poll when no wake-up arrives (another process enqueued, or a lease expired). */
  pollIntervalMs?: number;
  /** Largest claim in one statement. */
  claimBatch?: number;
  /** How deep `agent` steps may nest child runs (issue 05); 5 unless set. */
  childRunDepthLimit?: number;
  /** Connected tools (issue 07): DNS resolver, HTTP and MCP limits, the loop's default bound. */
  tools?: StepToolsOptions;
  /**
   * Where file steps render (issue 08). Default: a small pool of worker threads, ended by `stop`
   * (or after `runOnce` when not started).
   */
  fileRenderer?: FileRenderer;
  /** Called with each generated file and the thread that rendered it (tests). */
  onFileRendered?: (fileId: string, threadId: number) => void;
  /**
   * Seal governed records in a thread of their own, with its own connection to the store
   * (`governance/seal-thread.ts`): `agentruns serve` and `agentruns worker` do. Needs a store another
   * connection can open (a SQLite file, PostgreSQL); otherwise, and by default, sealing runs on
   * the event loop.
   */
  sealThread?: boolean;
}

export interface Worker {
  readonly id: string;
  readonly inFlight: number;
  readonly committer: StepCommitter;
  /** Claims and runs attempts until `stop`. */
  start(): void;
  /** Claims and runs everything due now, and resolves when all of it has ended (for tests). */
  runOnce(): Promise<void>;
  /**
   * Stops claiming; waits for attempts in flight to end. Those still running after `graceMs` are
   * aborted and their leases handed back, so another worker resumes them at once.
   */
  stop(graceMs?: number): Promise<void>;
  /** Dies as a crashed process would: aborts everything, writes nothing, leaves leases to expire. */
  kill(): void;
  /** Extends the leases held now; aborts the attempts this worker no longer holds. */
  heartbeat(): Promise<void>;
  /** Resolves once the worker's sealing thread, when it seals in one, is up: for a caller that times what follows. */
  ready(): Promise<void>;
}

/** How often a worker seals finished attempts another process left unsealed (it crashed). */
const SEAL_SWEEP_INTERVAL_MS = 30_000;

/** Leases extended per heartbeat statement. */
export const HEARTBEAT_BATCH = 250;

interface Held {
  attempt: ClaimedAttempt;
  controller: AbortController;
  done: Promise<void>;
}

type WorkerDeps = Pick<
  Deps,
  | 'store'
  | 'queue'
  | 'clock'
  | 'ids'
  | 'bus'
  | 'templates'
  | 'models'
  | 'logger'
  | 'blobs'
  | 'config'
  | 'pricing'
  | 'usageHistory'
  | 'secrets'
  | 'tracing'
>;

/**
 * The engine's worker: claims attempts up to its concurrency, runs each as its own async task,
 * heartbeats their leases, and aborts those that were canceled or taken over.
 */
export function createWorker(deps: WorkerDeps, options: WorkerOptions = {}): Worker {
  const id = options.id ?? `wrk_${deps.ids.secret(6)}`;
  const concurrency = options.concurrency ?? 100;
  const leaseMs = options.leaseMs ?? 30_000;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? Math.floor(leaseMs / 3);
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const claimBatch = options.claimBatch ?? 200;
  const logger: Logger = deps.logger.child({ worker: id });
  const committer = createStepCommitter(deps.queue, deps.bus, {
    maxInFlight: deps.store.kind === 'postgres' ? 4 : 1,
    onQueued: deps.store.reclaimWriter,
  });
  const definitions = createDefinitionCache(deps);
  const policies = createPolicyInstructions(deps);
  const agentSteps = createAgentStepRunner(
    deps,
    options.childRunDepthLimit === undefined ? {} : { depthLimit: options.childRunDepthLimit },
  );
  const tools = createStepTools(deps, {
    ...(options.childRunDepthLimit === undefined ? {} : { depthLimit: options.childRunDepthLimit }),
    ...options.tools,
  });
  const renderer = options.fileRenderer ?? createThreadRenderer();
  const ownsRenderer = !options.fileRenderer;
  const resources = {
    clock: deps.clock,
    templates: deps.templates,
    models: deps.models,
    modelSteps: createModelStepRunner(deps),
    committer,
    files: {
      store: deps.store,
      blobs: deps.blobs,
      ids: deps.ids,
      clock: deps.clock,
      renderer,
      ...(options.onFileRendered ? { onRendered: options.onFileRendered } : {}),
    },
    sources: createStepSources(deps),
    agentSteps,
    tools,
  };
  const sealer = createRecordSealer(deps, { thread: options.sealThread === true });
  const held = new Map<string, Held>();
  /**
   * Attempts of `held` still running their steps: what `concurrency` bounds. Those that ended and
   * wait for their seal count only against twice that, so a slow seal still holds claims back.
   */
  let executing = 0;
  const hasSlot = () => executing < concurrency && held.size < 2 * concurrency;
  let running = false;
  /** `runOnce` calls in progress: they claim as slots free up, as a started worker does. */
  let draining = 0;
  const claiming = () => running || draining > 0;
  /** Resolved when an attempt of `held` ends (what `runOnce` waits on between claims). */
  let ended: { promise: Promise<void>; resolve: () => void } | undefined;
  const nextEnd = () => {
    if (!ended) {
      let resolve = () => {};
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      ended = { promise, resolve };
    }
    return ended.promise;
  };
  let dead = false;
  let pumping: Promise<void> | undefined;
  let pumpAgain = false;
  // What `stop` ends at once (claiming new work), and what it ends only once the attempts it holds
  // are done: a cancel or a lost lease must still reach an attempt while shutdown waits for it.
  const stopClaiming: Array<() => void> = [];
  const stopHolding: Array<() => void> = [];
  const every = (ms: number, fn: () => void) => {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  };

  const launch = (attempt: ClaimedAttempt) => {
    const controller = new AbortController();
    executing++;
    let executed = false;
    // An attempt that has ended frees its slot before its record is sealed: the seal waits for
    // its batch, and the next claim should not wait for the seal.
    const endExecution = () => {
      executed = true;
      executing--;
      if (claiming()) void pump();
    };
    const done = (async () => {
      try {
        const context = await loadAttemptContext(deps, definitions, attempt, policies);
        const execute = () => executeAttempt(resources, context, controller.signal);
        await (deps.tracing ? deps.tracing.traceAttempt(attempt, execute) : execute());
        endExecution();
        // The governed record (issue 09): a no-op unless the attempt ended, sealed at most once.
        if (!controller.signal.aborted) await sealer.seal(attempt.id);
      } catch (error) {
        if (!controller.signal.aborted)
          logger.error(
            { err: error, attemptId: attempt.id },
            'attempt stopped by an error; its lease will expire and another worker resumes it',
          );
      } finally {
        const sealsHeldClaimsBack = held.size >= 2 * concurrency;
        held.delete(attempt.id);
        ended?.resolve();
        ended = undefined;
        if (!executed) endExecution();
        else if (sealsHeldClaimsBack && claiming()) void pump();
      }
    })();
    held.set(attempt.id, { attempt, controller, done });
  };

  /** Claims while there are free slots; one pump at a time, re-run if asked during one. */
  const pump = (): Promise<void> => {
    if (pumping) {
      pumpAgain = true;
      return pumping;
    }
    pumping = (async () => {
      do {
        pumpAgain = false;
        while (!dead && hasSlot()) {
          const claimed = await deps.queue.claim({
            workerId: id,
            limit: Math.min(claimBatch, concurrency - executing, 2 * concurrency - held.size),
            now: deps.clock.now(),
            leaseMs,
          });
          if (dead) return;
          for (const attempt of claimed) launch(attempt);
          if (claimed.length === 0) break;
        }
      } while (pumpAgain && !dead);
    })()
      .catch((error: unknown) => logger.error({ err: error }, 'claim failed; retrying on the next poll'))
      .finally(() => {
        pumping = undefined;
      });
    return pumping;
  };

  const heartbeat = async () => {
    if (held.size === 0 || dead) return;
    const leases = [...held.values()].map((h) => ({
      attemptId: h.attempt.id,
      leaseGeneration: h.attempt.leaseGeneration,
    }));
    // A few hundred leases per statement: each is a transaction holding its rows' locks, which a
    // step commit of one of those attempts waits for; thousands at once stalled every commit.
    for (let from = 0; from < leases.length; from += HEARTBEAT_BATCH) {
      const batch = leases.slice(from, from + HEARTBEAT_BATCH);
      const lost = await deps.queue.heartbeat({ leases: batch, now: deps.clock.now(), leaseMs });
      for (const attemptId of lost) held.get(attemptId)?.controller.abort(new CanceledError('lease lost'));
    }
  };

  return {
    id,
    committer,
    get inFlight() {
      return held.size;
    },
    start() {
      if (running) return;
      running = true;
      stopClaiming.push(
        deps.bus.subscribe('queue', () => void pump()),
        deps.bus.subscribe('policy', (orgId) => policies.invalidate(orgId)),
        every(pollIntervalMs, () => void pump()),
        every(SEAL_SWEEP_INTERVAL_MS, () => void sealer.sweep()),
      );
      stopHolding.push(
        deps.bus.subscribe('cancel', (attemptId) =>
          held.get(attemptId)?.controller.abort(new CanceledError('run canceled')),
        ),
        every(
          heartbeatIntervalMs,
          () => void heartbeat().catch((error: unknown) => logger.warn({ err: error }, 'heartbeat failed')),
        ),
      );
      void sealer.open();
      void sealer.sweep();
      void pump();
    },
    async runOnce() {
      const unsubscribe = deps.bus.subscribe('cancel', (attemptId) =>
        held.get(attemptId)?.controller.abort(new CanceledError('run canceled')),
      );
      draining++;
      try {
        for (;;) {
          await pump();
          if (held.size === 0) return;
          await nextEnd();
        }
      } finally {
        draining--;
        unsubscribe();
        // A caller that only drains (tests, a one-off command) leaves no thread behind.
        if (!running) {
          if (ownsRenderer) await renderer.close();
          await sealer.close();
        }
      }
    },
    async stop(graceMs = 10_000) {
      running = false;
      for (const end of stopClaiming.splice(0)) end();
      await pumping;
      const all = Promise.all([...held.values()].map((h) => h.done));
      const handedBack: Array<{ attemptId: string; leaseGeneration: number }> = [];
      const timer = setTimeout(() => {
        for (const h of held.values()) {
          handedBack.push({ attemptId: h.attempt.id, leaseGeneration: h.attempt.leaseGeneration });
          h.controller.abort(new CanceledError('worker shutting down'));
        }
      }, graceMs);
      await all;
      clearTimeout(timer);
      for (const end of stopHolding.splice(0)) end();
      await tools.close();
      if (ownsRenderer) await renderer.close();
      await sealer.close();
      if (handedBack.length > 0) {
        await deps.queue.release(handedBack).catch((error: unknown) => {
          logger.warn({ err: error }, 'could not hand leases back; they expire instead');
        });
        logger.info({ attempts: handedBack.length }, 'handed unfinished attempts back to the queue');
      }
    },
    kill() {
      dead = true;
      running = false;
      for (const end of [...stopClaiming.splice(0), ...stopHolding.splice(0)]) end();
      for (const h of held.values()) h.controller.abort(new CanceledError('worker killed'));
      void tools.close();
      if (ownsRenderer) void renderer.close();
      void sealer.close();
    },
    heartbeat,
    ready: () => sealer.open(),
  };
}
