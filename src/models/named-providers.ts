import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { appendAudit } from '../governance/audit-log.ts';
import type { Actor } from '../identity/actor.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import type { ModelProvidersTable } from '../store/schema.ts';
import type { ModelProvider } from './model-provider.ts';
import { type NamedProviderSource, reservedProviderIds } from './model-registry.ts';
import { createOpenAICompatibleProvider } from './openai-compatible-provider.ts';
import type { SecretBox } from './secret-box.ts';

const providerName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be lower-case letters, digits or - (at most 40), e.g. ollama')
  .refine((name) => !(reservedProviderIds as readonly string[]).includes(name), {
    message: `is reserved (${reservedProviderIds.join(', ')} are configured by environment variables)`,
  });

const baseUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://localhost:11434/v1' })
  .max(2000);

const headers = z.record(
  z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'must be a header name'),
  z.string().max(4000),
);

/** `POST /api/settings/providers`: a named OpenAI-compatible endpoint (Ollama, vLLM, LM Studio, Azure). */
export const namedProviderInputSchema = z.object({
  name: providerName,
  baseUrl,
  apiKey: z.string().min(1).max(4000).optional(),
  /** Extra request headers (Azure's `api-key`, a proxy's auth); sealed like the key. */
  headers: headers.optional(),
});

/** `PATCH /api/settings/providers/:name`: `apiKey: null` removes the key. */
export const namedProviderPatchSchema = z.object({
  baseUrl: baseUrl.optional(),
  apiKey: z.string().min(1).max(4000).nullable().optional(),
  headers: headers.optional(),
});

export interface NamedProviderView {
  id: string;
  name: string;
  kind: 'openai-compatible';
  baseUrl: string;
  /** Never the key: `…` and its last four characters, or null when there is none. */
  apiKey: string | null;
  headerNames: string[];
  /** Model ids of this provider start with this. */
  modelPrefix: string;
  createdAt: string;
  updatedAt: string;
}

type ProviderDeps = Pick<Deps, 'store' | 'ids' | 'clock' | 'models'> & { secrets: SecretBox };

function toView(row: ModelProvidersTable, headerNames: string[]): NamedProviderView {
  return {
    id: row.id,
    name: row.name,
    kind: 'openai-compatible',
    baseUrl: row.base_url,
    apiKey: row.api_key_last4 === null ? null : `…${row.api_key_last4}`,
    headerNames,
    modelPrefix: `${row.name}/`,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

function headerNamesOf(secrets: SecretBox, row: ModelProvidersTable): string[] {
  if (row.headers_sealed === null) return [];
  return Object.keys(JSON.parse(secrets.openOrThrow(row.headers_sealed)) as Record<string, string>);
}

const last4 = (key: string) => key.slice(-4);

export async function listNamedProviders(deps: ProviderDeps, actor: Actor): Promise<NamedProviderView[]> {
  const rows = await deps.store.db
    .selectFrom('model_providers')
    .selectAll()
    .where('org_id', '=', actor.orgId)
    .orderBy('name')
    .execute();
  return rows.map((row) => toView(row, headerNamesOf(deps.secrets, row)));
}

/** Throws NotFoundError when `orgId` has no provider `name`. */
async function getRowOrThrow(deps: ProviderDeps, orgId: string, name: string): Promise<ModelProvidersTable> {
  const row = await deps.store.db
    .selectFrom('model_providers')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('name', '=', name)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('model provider', name);
  return row;
}

/** Adds a named provider; throws ConflictError when the name is taken. */
export async function createNamedProvider(
  deps: ProviderDeps,
  actor: Actor,
  input: z.infer<typeof namedProviderInputSchema>,
): Promise<NamedProviderView> {
  const now = deps.clock.now();
  const existing = await deps.store.db
    .selectFrom('model_providers')
    .select('id')
    .where('org_id', '=', actor.orgId)
    .where('name', '=', input.name)
    .executeTakeFirst();
  if (existing) throw new ConflictError(`a model provider named "${input.name}" already exists`);
  const row: ModelProvidersTable = {
    id: deps.ids.next('mpr'),
    org_id: actor.orgId,
    name: input.name,
    kind: 'openai-compatible',
    base_url: input.baseUrl,
    api_key_sealed: input.apiKey === undefined ? null : deps.secrets.seal(input.apiKey),
    api_key_last4: input.apiKey === undefined ? null : last4(input.apiKey),
    headers_sealed: input.headers === undefined ? null : deps.secrets.seal(JSON.stringify(input.headers)),
    created_by: actor.userId,
    created_at: now,
    updated_at: now,
  };
  await deps.store.transaction(async (trx) => {
    await trx.insertInto('model_providers').values(row).execute();
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'model_provider.created',
      target: row.id,
      details: { name: row.name, baseUrl: row.base_url },
    });
  });
  deps.models.invalidate(actor.orgId);
  return toView(row, Object.keys(input.headers ?? {}));
}

export async function updateNamedProvider(
  deps: ProviderDeps,
  actor: Actor,
  name: string,
  patch: z.infer<typeof namedProviderPatchSchema>,
): Promise<NamedProviderView> {
  const row = await getRowOrThrow(deps, actor.orgId, name);
  if (Object.keys(patch).length === 0)
    throw ValidationError.field('body', 'change baseUrl, apiKey or headers');
  const now = deps.clock.now();
  const next: ModelProvidersTable = {
    ...row,
    ...(patch.baseUrl === undefined ? {} : { base_url: patch.baseUrl }),
    ...(patch.apiKey === undefined
      ? {}
      : patch.apiKey === null
        ? { api_key_sealed: null, api_key_last4: null }
        : { api_key_sealed: deps.secrets.seal(patch.apiKey), api_key_last4: last4(patch.apiKey) }),
    ...(patch.headers === undefined
      ? {}
      : { headers_sealed: deps.secrets.seal(JSON.stringify(patch.headers)) }),
    updated_at: now,
  };
  await deps.store.transaction(async (trx) => {
    await trx
      .updateTable('model_providers')
      .set({
        base_url: next.base_url,
        api_key_sealed: next.api_key_sealed,
        api_key_last4: next.api_key_last4,
        headers_sealed: next.headers_sealed,
        updated_at: now,
      })
      .where('id', '=', row.id)
      .execute();
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'model_provider.updated',
      target: row.id,
      details: { name, changed: Object.keys(patch) },
    });
  });
  deps.models.invalidate(actor.orgId);
  return toView(next, headerNamesOf(deps.secrets, next));
}

export async function deleteNamedProvider(deps: ProviderDeps, actor: Actor, name: string): Promise<void> {
  const row = await getRowOrThrow(deps, actor.orgId, name);
  const now = deps.clock.now();
  await deps.store.transaction(async (trx) => {
    await trx.deleteFrom('model_providers').where('id', '=', row.id).execute();
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'model_provider.deleted',
      target: row.id,
      details: { name },
    });
  });
  deps.models.invalidate(actor.orgId);
}

/** The registry's source of named providers: rows of the organization, keys opened only here. */
export function createNamedProviderSource(
  deps: Pick<Deps, 'store'>,
  secrets: SecretBox,
  /** Where their requests go out (the process's model HTTP agent); undici's global one when absent. */
  dispatcher?: Dispatcher,
): NamedProviderSource {
  return {
    async load(orgId): Promise<ModelProvider[]> {
      const rows = await deps.store.db
        .selectFrom('model_providers')
        .selectAll()
        .where('org_id', '=', orgId)
        .execute();
      return rows.map((row) =>
        createOpenAICompatibleProvider({
          id: row.name,
          baseUrl: row.base_url,
          apiKey: row.api_key_sealed === null ? undefined : secrets.openOrThrow(row.api_key_sealed),
          headers:
            row.headers_sealed === null
              ? undefined
              : (JSON.parse(secrets.openOrThrow(row.headers_sealed)) as Record<string, string>),
          dispatcher,
        }),
      );
    },
  };
}
