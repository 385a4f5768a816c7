import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { creditRateInputSchema, getCreditRate, setCreditRate } from '../../models/credit-rate.ts';
import { estimateAccuracy } from '../../models/estimate-accuracy.ts';
import {
  createNamedProvider,
  deleteNamedProvider,
  listNamedProviders,
  namedProviderInputSchema,
  namedProviderPatchSchema,
  updateNamedProvider,
} from '../../models/named-providers.ts';
import { getPriceTableOrThrow, listPriceTables, putPriceTable } from '../../models/price-book.ts';
import { priceTableInputSchema } from '../../models/price-table.ts';
import { usageByMember, usageQuerySchema } from '../../models/usage-report.ts';
import { defineRoute, type Route } from '../route.ts';

const nameParams = z.object({ name: z.string().min(1).max(100) });

const versionParams = z.object({ version: z.coerce.number().int().min(0) });

/** Settings for models (issue 03): named providers, prices, the credit rate; usage per member. */
export function modelRoutes(deps: Deps): Route[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/settings/providers',
      summary:
        'Model providers: built-in (environment) and named OpenAI-compatible endpoints; keys as their last 4 characters',
      tag: 'settings',
      permission: 'settings.manage',
      handler: async ({ actor }) => ({
        builtIn: [...deps.models.known].sort().map((id) => ({
          id,
          configured: id === 'simulated' || isConfigured(deps, id),
          simulated: deps.models.isSimulated(`${id}/x`),
        })),
        items: await listNamedProviders(deps, actor),
      }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/settings/providers',
      summary: 'Add a named OpenAI-compatible provider (Ollama, vLLM, LM Studio, Azure OpenAI)',
      tag: 'settings',
      permission: 'settings.manage',
      status: 201,
      body: namedProviderInputSchema,
      handler: ({ actor, body }) => createNamedProvider(deps, actor, body),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/settings/providers/:name',
      summary: 'Change a named provider: base URL, key (null removes it), headers',
      tag: 'settings',
      permission: 'settings.manage',
      params: nameParams,
      body: namedProviderPatchSchema,
      handler: ({ actor, params, body }) => updateNamedProvider(deps, actor, params.name, body),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/settings/providers/:name',
      summary: 'Remove a named provider',
      tag: 'settings',
      permission: 'settings.manage',
      status: 204,
      params: nameParams,
      handler: async ({ actor, params }) => {
        await deleteNamedProvider(deps, actor, params.name);
        return undefined;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/settings/prices',
      summary: "The organization's current price table (version 0 = the shipped defaults)",
      tag: 'settings',
      permission: 'runs.read',
      handler: ({ actor }) => deps.pricing.currentFor(actor.orgId),
    }),
    defineRoute({
      method: 'PUT',
      url: '/api/settings/prices',
      summary: 'Replace the price table: stores it as the next version; steps record the version they used',
      tag: 'settings',
      permission: 'settings.manage',
      body: priceTableInputSchema,
      handler: ({ actor, body }) => putPriceTable(deps, actor, body),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/settings/prices/versions',
      summary: 'Every version of the price table, newest first',
      tag: 'settings',
      permission: 'runs.read',
      handler: async ({ actor }) => ({ items: await listPriceTables(deps, actor) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/settings/prices/versions/:version',
      summary: 'One version of the price table',
      tag: 'settings',
      permission: 'runs.read',
      params: versionParams,
      handler: ({ actor, params }) => getPriceTableOrThrow(deps, actor, params.version),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/settings/credit-rate',
      summary: "The organization's credits per US dollar of model usage",
      tag: 'settings',
      permission: 'runs.read',
      handler: ({ actor }) => getCreditRate(deps, actor),
    }),
    defineRoute({
      method: 'PUT',
      url: '/api/settings/credit-rate',
      summary: "Set the organization's credits per US dollar",
      tag: 'settings',
      permission: 'settings.manage',
      body: creditRateInputSchema,
      handler: ({ actor, body }) => setCreditRate(deps, actor, body),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/agents/:id/estimate-accuracy',
      summary: "How close the agent's credit estimates came to its runs' actual credits",
      tag: 'agents',
      permission: 'agents.read',
      params: z.object({ id: z.string().min(1) }),
      handler: ({ actor, params }) => estimateAccuracy(deps, actor, params.id),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/usage/members',
      summary: 'Tokens and credits per member (who started the runs) over a time window',
      tag: 'usage',
      permission: 'usage.read',
      query: usageQuerySchema,
      handler: ({ actor, query }) => usageByMember(deps, actor, query),
    }),
  ];
}

function isConfigured(deps: Deps, id: string): boolean {
  try {
    deps.models.resolveOrThrow(`${id}/x`);
    return true;
  } catch {
    return false;
  }
}
