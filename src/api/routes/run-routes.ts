import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import type { Actor } from '../../identity/actor.ts';
import { assertCan, can } from '../../identity/permissions.ts';
import { AppError, messageOf, ValidationError } from '../../platform/errors.ts';
import { parseOrThrow } from '../../platform/zod-issues.ts';
import { getRunOrThrow, listAttempts } from '../../runs/get-run.ts';
import { filteredRuns, listRuns, listRunsQuerySchema } from '../../runs/list-runs.ts';
import {
  cancelRun,
  deleteRun,
  duplicateRun,
  recordRefusedDeletion,
  rerunRun,
  startRun,
  updateRun,
} from '../../runs/run-actions.ts';
import {
  bulkInputSchema,
  duplicateInputSchema,
  rerunInputSchema,
  updateRunInputSchema,
} from '../../runs/run-input.ts';
import { httpStatusOf } from '../http-status.ts';
import { defineRoute, type Route } from '../route.ts';

const idParams = z.object({ id: z.string().min(1) });

/** A bulk filter's statuses, checked as the run list checks them. */
const bulkFilterStatus = listRunsQuerySchema.pick({ status: true });

/** Bulk actions act on at most this many runs per request. */
const BULK_LIMIT = 1000;

export function runRoutes(deps: Deps): Route[] {
  const bulkAction = async (actor: Actor, action: z.infer<typeof bulkInputSchema>['action'], id: string) => {
    switch (action) {
      case 'archive':
      case 'unarchive':
        return (await updateRun(deps, actor, id, { archived: action === 'archive' })).status;
      case 'cancel':
        return (await cancelRun(deps, actor, id)).status;
      case 'rerun':
        return (await rerunRun(deps, actor, id, { latestVersion: false })).status;
      case 'delete':
        await deleteRun(deps, actor, id);
        return 'deleted';
      default: {
        const unreachable: never = action;
        return unreachable;
      }
    }
  };
  const matchingIds = async (
    actor: Actor,
    filter: NonNullable<z.infer<typeof bulkInputSchema>['filter']>,
  ) => {
    const { archived, ...rest } = filter;
    const rows = await filteredRuns(deps.store.db, deps.store.kind, actor, {
      ...rest,
      archived: archived ? 'true' : 'false',
    })
      .select('runs.id')
      .orderBy('runs.id', 'desc')
      .limit(BULK_LIMIT)
      .execute();
    return rows.map((r) => r.id);
  };
  const bulkPermission = {
    archive: 'runs.archive',
    unarchive: 'runs.archive',
    cancel: 'runs.cancel',
    rerun: 'runs.rerun',
    delete: 'runs.delete',
  } as const;

  return [
    defineRoute({
      method: 'GET',
      url: '/api/runs',
      summary: 'The run list: search, filter, sort, cursor pages',
      tag: 'runs',
      permission: 'runs.read',
      query: listRunsQuerySchema,
      handler: ({ actor, query }) => listRuns(deps, actor, query),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/runs/:id',
      summary: 'A run with its latest attempt, steps and output',
      tag: 'runs',
      permission: 'runs.read',
      params: idParams,
      handler: ({ actor, params }) => getRunOrThrow(deps, actor, params.id),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/runs/:id',
      summary: 'Rename, archive or unarchive a run',
      tag: 'runs',
      permission: 'runs.archive',
      params: idParams,
      body: updateRunInputSchema,
      handler: ({ actor, params, body }) => updateRun(deps, actor, params.id, body),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/runs/:id',
      summary: 'Delete a run that is not in flight, where the policy permits (role, legal hold, retention)',
      tag: 'runs',
      permission: 'runs.delete',
      auditRefusal: (actor, params) =>
        recordRefusedDeletion(deps, actor, (params as { id?: string }).id ?? '', {
          rule: 'permissions.runs.delete',
          reason: `role ${actor.role} may not delete runs`,
        }),
      status: 204,
      params: idParams,
      handler: async ({ actor, params }) => {
        await deleteRun(deps, actor, params.id);
        return undefined;
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/runs/:id/start',
      summary: 'Start a new run',
      tag: 'runs',
      permission: 'runs.start',
      params: idParams,
      handler: ({ actor, params }) => startRun(deps, actor, params.id),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/runs/:id/cancel',
      summary: 'Cancel an enqueued or running run',
      tag: 'runs',
      permission: 'runs.cancel',
      params: idParams,
      handler: ({ actor, params }) => cancelRun(deps, actor, params.id),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/runs/:id/rerun',
      summary: 'Rerun a finished run, optionally from a step and on the latest agent version',
      tag: 'runs',
      permission: 'runs.rerun',
      params: idParams,
      body: rerunInputSchema.optional().default({ latestVersion: false }),
      handler: ({ actor, params, body }) => rerunRun(deps, actor, params.id, body),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/runs/:id/duplicate',
      summary: 'A new run with the same configuration and adjusted variables',
      tag: 'runs',
      permission: 'runs.start',
      status: 201,
      params: idParams,
      body: duplicateInputSchema.optional().default({ start: true }),
      handler: ({ actor, params, body }) => duplicateRun(deps, actor, params.id, body),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/runs/:id/attempts',
      summary: 'Every attempt of a run with its step results',
      tag: 'runs',
      permission: 'runs.read',
      params: idParams,
      handler: async ({ actor, params }) => ({ items: await listAttempts(deps, actor, params.id) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/runs/bulk',
      summary: 'Archive, unarchive, delete, cancel or rerun several runs; a result per id',
      tag: 'runs',
      permission: 'runs.read',
      body: bulkInputSchema,
      handler: async ({ actor, body, request }) => {
        if (body.action === 'delete') await assertCanDeleteOrRecord(deps, actor, 'runs.bulk', body.ids);
        else assertCan(actor, bulkPermission[body.action]);
        // Without this, a body with neither would act on every run (the empty filter matches all).
        if ((body.ids === undefined) === (body.filter === undefined))
          throw ValidationError.field('ids', 'give either ids or filter (every run matching it)');
        if (body.filter) parseOrThrow(bulkFilterStatus, body.filter, 'filter');
        const ids = body.ids ?? (await matchingIds(actor, body.filter ?? {}));
        const results = [];
        for (const id of ids) {
          try {
            results.push({ id, ok: true, status: await bulkAction(actor, body.action, id) });
          } catch (error) {
            const code = error instanceof AppError ? error.code : 'internal_error';
            if (code === 'internal_error') request.log.error({ err: error, runId: id }, 'bulk action failed');
            results.push({
              id,
              ok: false,
              error: { code, status: httpStatusOf(code), message: messageOf(error) },
            });
          }
        }
        return { action: body.action, results };
      },
    }),
  ];
}

/** The permission matrix's refusal of a bulk delete, audited like a policy refusal. */
async function assertCanDeleteOrRecord(
  deps: Deps,
  actor: Actor,
  target: string,
  runIds: string[] | undefined,
): Promise<void> {
  if (can(actor, 'runs.delete')) return;
  await recordRefusedDeletion(deps, actor, target, {
    rule: 'permissions.runs.delete',
    reason: `role ${actor.role} may not delete runs`,
    ...(runIds ? { runIds } : {}),
  });
  assertCan(actor, 'runs.delete');
}
