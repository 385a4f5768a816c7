import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { checkStoredChain } from '../../governance/check-stored-chain.ts';
import {
  exportInputSchema,
  getExportOrThrow,
  openExportOrThrow,
  requestExport,
} from '../../governance/evidence-export.ts';
import { activityCsv, activityQuerySchema, listActivity } from '../../governance/governance-activity.ts';
import { getSigningSetting, listKeys, rotateKey, setSigning } from '../../governance/signing-keys.ts';
import { defineRoute, type Route } from '../route.ts';

const idParams = z.object({ id: z.string().min(1) });
const tag = 'governance';

/** Governance Activity, signing keys, the chain check and evidence exports (SPEC G1–G3). */
export function governanceRoutes(deps: Deps): Route[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/governance/activity',
      summary: 'Governance Activity: audit events and record seals, filtered; `format=csv` exports them',
      tag,
      query: activityQuerySchema,
      permission: 'governance.review',
      handler: async ({ actor, query, reply }) => {
        if (query.format === 'json') return listActivity(deps, actor, query);
        reply.type('text/csv; charset=utf-8');
        reply.header('content-disposition', 'attachment; filename="governance-activity.csv"');
        return activityCsv(deps, actor, query);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/governance/keys',
      summary: 'The organization’s public signing keys (active and retired) with their fingerprints',
      tag,
      permission: 'signed-in',
      handler: async ({ actor }) => ({ items: await listKeys(deps, actor) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/governance/keys/rotate',
      summary: 'Retire the active signing key and create a new one (retired keys still verify)',
      tag,
      status: 201,
      permission: 'governance.manage',
      handler: ({ actor }) => rotateKey(deps, actor),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/governance/signing',
      summary: 'Whether records are signed, and the active key’s fingerprint',
      tag,
      permission: 'governance.review',
      handler: ({ actor }) => getSigningSetting(deps, actor),
    }),
    defineRoute({
      method: 'PUT',
      url: '/api/governance/signing',
      summary: 'Turn signing on (creating the first key) or off',
      tag,
      body: z.object({ enabled: z.boolean() }),
      permission: 'governance.manage',
      handler: ({ actor, body }) => setSigning(deps, actor, body.enabled),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/governance/chain',
      summary:
        'Check the organization’s record chain; names each edited, deleted, inserted or reordered record',
      tag,
      permission: 'governance.review',
      handler: ({ actor }) => checkStoredChain(deps, actor),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/governance/exports',
      summary: 'Export signed evidence of runs (ids, an agent, a date range) as a background job',
      tag,
      body: exportInputSchema,
      status: 202,
      permission: 'governance.export',
      handler: ({ actor, body }) => requestExport(deps, actor, body),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/governance/exports/:id',
      summary: 'An export’s status and progress',
      tag,
      params: idParams,
      permission: 'governance.export',
      handler: ({ actor, params }) => getExportOrThrow(deps, actor, params.id),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/governance/exports/:id/download',
      summary: 'The evidence bundle (ZIP) of a completed export',
      tag,
      params: idParams,
      permission: 'governance.export',
      handler: async ({ actor, params, reply }) => {
        const { view, stream } = await openExportOrThrow(deps, actor, params.id);
        reply.type('application/zip');
        reply.header('content-disposition', `attachment; filename="evidence-${view.id}.zip"`);
        if (view.sizeBytes !== null) reply.header('content-length', String(view.sizeBytes));
        return stream;
      },
    }),
  ];
}
