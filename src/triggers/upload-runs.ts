import { sql } from 'kysely';
import { getAgentOrThrow } from '../agents/agent-service.ts';
import type { Deps } from '../deps.ts';
import { appendAudit } from '../governance/audit-log.ts';
import { type Actor, isRole } from '../identity/actor.ts';
import { AppError, messageOf } from '../platform/errors.ts';
import { createPeriodicLoop } from '../platform/periodic-loop.ts';
import { createRun } from '../runs/create-run.ts';
import { documentUrl } from '../sites/site-view.ts';
import type { UploadTriggersTable } from '../store/schema.ts';

export interface UploadRunsOptions {
  /** How often a pass looks for uploads whose extraction ended. */
  intervalMs?: number;
  /** A claimed upload is not picked again for this long: a process that died mid-start is replaced after it. */
  claimMs?: number;
  /** Tries (of a passing failure: the database, a crash) before the upload is recorded as failed. */
  maxTries?: number;
}

export interface UploadRuns {
  /** One pass: starts the run of every upload whose text is extracted; returns how many it settled. */
  runOnce(): Promise<number>;
  /** Passes every `intervalMs` on the injected clock until `stop`. */
  start(): void;
  stop(): Promise<void>;
}

type UploadRunsDeps = Pick<
  Deps,
  'store' | 'ids' | 'clock' | 'templates' | 'models' | 'bus' | 'pricing' | 'usageHistory' | 'logger'
>;

/** Thrown inside the run's transaction when another process started this upload's run first. */
class AlreadyStarted extends Error {}

/**
 * Starts the runs of upload triggers (T3). An upload to a Site with an upload agent leaves a
 * `waiting` row (written with the version, `upload-document.ts`); once the version's extraction
 * ended, a pass claims the row and creates a run of the agent with the document as a variable (the
 * agent's first `file` variable: the document's API path and version) and as source context (the
 * Site added to the run's Sites), trigger `upload`. The row turns `started` in the run's own
 * transaction, and only from `waiting`: a second process, or a restart after the run was written,
 * finds nothing to start. What the agent or the policy refuses (archived agent, a model the policy
 * does not permit, a required variable with no value), and a document whose text could not be
 * extracted, is recorded on the row and audited; no run starts. Other errors are tried again.
 */
export function createUploadRuns(deps: UploadRunsDeps, options: UploadRunsOptions = {}): UploadRuns {
  const intervalMs = options.intervalMs ?? 1000;
  const claimMs = options.claimMs ?? 60_000;
  const maxTries = options.maxTries ?? 5;
  const logger = deps.logger.child({ component: 'upload-runs' });

  const claim = async (): Promise<UploadTriggersTable | undefined> => {
    const now = deps.clock.now();
    const skipLocked = deps.store.kind === 'postgres' ? sql`FOR UPDATE OF t SKIP LOCKED` : sql``;
    return deps.store.transaction(async (trx) => {
      const result = await sql<UploadTriggersTable>`
        UPDATE upload_triggers SET claimed_until = ${now + claimMs}, tries = tries + 1, updated_at = ${now}
        WHERE version_id = (
          SELECT t.version_id FROM upload_triggers t
          JOIN document_versions v ON v.id = t.version_id
          WHERE t.status = 'waiting' AND v.status IN ('ready', 'failed')
            AND (t.claimed_until IS NULL OR t.claimed_until < ${now})
          ORDER BY t.created_at, t.version_id LIMIT 1 ${skipLocked}
        ) AND status = 'waiting'
        RETURNING *`.execute(trx);
      return result.rows[0];
    });
  };

  const fail = async (row: UploadTriggersTable, reason: string): Promise<void> => {
    const now = deps.clock.now();
    await deps.store.transaction(async (trx) => {
      const updated = await trx
        .updateTable('upload_triggers')
        .set({ status: 'failed', error: reason, claimed_until: null, updated_at: now })
        .where('version_id', '=', row.version_id)
        .where('status', '=', 'waiting')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) return;
      await appendAudit(trx, deps.ids, now, {
        orgId: row.org_id,
        actor: row.uploaded_by,
        action: 'upload_trigger.failed',
        target: row.version_id,
        details: { siteId: row.site_id, documentId: row.document_id, agentId: row.agent_id, error: reason },
      });
    });
    logger.info(
      { versionId: row.version_id, agentId: row.agent_id, reason },
      'upload trigger started no run',
    );
  };

  /** The run is started as the uploader, so the roles and policy that apply to them apply to it. */
  const actorOf = async (row: UploadTriggersTable): Promise<Actor> => {
    const user = await deps.store.db
      .selectFrom('users')
      .select('role')
      .where('id', '=', row.uploaded_by)
      .executeTakeFirst();
    return {
      orgId: row.org_id,
      userId: row.uploaded_by,
      role: user && isRole(user.role) ? user.role : 'runner',
    };
  };

  const startRunOf = async (row: UploadTriggersTable): Promise<void> => {
    const version = await deps.store.db
      .selectFrom('document_versions')
      .select(['number', 'file_name', 'status', 'error'])
      .where('id', '=', row.version_id)
      .executeTakeFirstOrThrow();
    if (version.status === 'failed') {
      await fail(
        row,
        `the document's text could not be extracted (${version.error ?? 'no reason'}); no run started`,
      );
      return;
    }
    const actor = await actorOf(row);
    const agent = await getAgentOrThrow(deps, actor, row.agent_id);
    const fileVariable = agent.variables.find((v) => v.type === 'file');
    const reference = `${documentUrl(row.site_id, row.document_id)}?version=${version.number}`;
    await createRun(
      deps,
      actor,
      row.agent_id,
      {
        name: `${agent.name} — ${version.file_name}`,
        variables: fileVariable ? { [fileVariable.name]: reference } : {},
        siteIds: [...new Set([...agent.siteIds, row.site_id])],
        start: true,
      },
      {
        kind: 'upload',
        by: row.version_id,
        upload: {
          siteId: row.site_id,
          documentId: row.document_id,
          version: version.number,
          name: version.file_name,
        },
      },
      {
        within: async (trx, runId) => {
          const updated = await trx
            .updateTable('upload_triggers')
            .set({
              status: 'started',
              run_id: runId,
              error: null,
              claimed_until: null,
              updated_at: deps.clock.now(),
            })
            .where('version_id', '=', row.version_id)
            .where('status', '=', 'waiting')
            .executeTakeFirst();
          if (Number(updated.numUpdatedRows) === 0) throw new AlreadyStarted();
        },
      },
    );
  };

  const settle = async (row: UploadTriggersTable): Promise<void> => {
    try {
      await startRunOf(row);
    } catch (error) {
      if (error instanceof AlreadyStarted) return;
      // The agent, its variables or the policy refused: trying again changes nothing.
      if (error instanceof AppError && error.category === 'user') {
        await fail(row, `agent ${row.agent_id} was not started: ${error.message}`);
        return;
      }
      if (row.tries >= maxTries) {
        await fail(
          row,
          `agent ${row.agent_id} was not started after ${row.tries} tries: ${messageOf(error)}`,
        );
        return;
      }
      // Left claimed: tried again once the claim runs out.
      logger.warn({ err: error, versionId: row.version_id }, 'upload trigger failed; trying again');
    }
  };

  const runOnce = async (): Promise<number> => {
    let settled = 0;
    for (let row = await claim(); row; row = await claim()) {
      await settle(row);
      settled++;
    }
    return settled;
  };
  const loop = createPeriodicLoop(deps, {
    intervalMs,
    failureMessage: 'upload trigger pass failed; trying again',
    pass: runOnce,
  });
  return { runOnce, start: loop.start, stop: loop.stop };
}
