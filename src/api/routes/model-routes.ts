import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import {
  createNamedProvider,
  deleteNamedProvider,
  listNamedProviders,
  namedProviderInputSchema,
  namedProviderPatchSchema,
  updateNamedProvider,
} from '../../models/named-providers.ts';
import { defineRoute, type Route } from '../route.ts';

const nameParams = z.object({ name: z.string().min(1).max(100) });

/** Settings for models (issue 03): named OpenAI-compatible providers. */
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
