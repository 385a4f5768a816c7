import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { listAuditEvents, listAuditEventsQuerySchema } from '../../governance/list-audit-events.ts';
import { policySchema } from '../../identity/policy.ts';
import {
  currentPolicy,
  getPolicyVersionOrThrow,
  listPolicyVersions,
  putPolicy,
} from '../../identity/policy-versions.ts';
import { defineRoute, type Route } from '../route.ts';

/**
 * Policy versions (the one in force, a change, the history) and the audit events that issue 09
 * turns into Governance Activity (`GET /api/governance/activity` is that route).
 */
export function policyRoutes(deps: Deps): Route[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/policy',
      summary: 'The policy version in force: number, author, time, SHA-256 of its canonical JSON',
      tag: 'policy',
      permission: 'policy.read',
      handler: ({ actor }) => currentPolicy(deps.store.db, actor.orgId),
    }),
    defineRoute({
      method: 'PUT',
      url: '/api/policy',
      summary: 'Change the policy: the whole policy (missing fields take defaults) becomes a new version',
      tag: 'policy',
      permission: 'policy.write',
      body: policySchema,
      handler: ({ actor, body }) => putPolicy(deps, actor, body),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/policy/versions',
      summary: 'Every policy version, newest first',
      tag: 'policy',
      permission: 'policy.read',
      handler: async ({ actor }) => ({ items: await listPolicyVersions(deps, actor), nextCursor: null }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/policy/versions/:version',
      summary: 'One policy version',
      tag: 'policy',
      permission: 'policy.read',
      params: z.object({ version: z.coerce.number().int().min(1) }),
      handler: ({ actor, params }) => getPolicyVersionOrThrow(deps, actor, params.version),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/audit-events',
      summary: 'Audit events, newest first: who did what to which run, agent, policy, user or token',
      tag: 'governance',
      permission: 'governance.review',
      query: listAuditEventsQuerySchema,
      handler: ({ actor, query }) => listAuditEvents(deps, actor, query),
    }),
  ];
}
