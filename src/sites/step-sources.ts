import type { StepDefinition } from '../agents/agent-definition.ts';
import type { TemplateContext } from '../agents/templates.ts';
import type { Deps } from '../deps.ts';
import { type ChunkHit, searchChunks } from './search-chunks.ts';

/** Which attempt and step is asking: enough to scope the search and record what it used. */
export interface StepSourcesRequest {
  attempt: { id: string; runId: string; orgId: string };
  step: StepDefinition;
  number: number;
  /** The template context so far (variables, earlier outputs); its `sources` is ignored. */
  context: TemplateContext;
}

/** The engine's seam to Sites (`ExecuteResources.sources`). */
export interface StepSources {
  /**
   * The text `{{ sources }}` renders for a step: the chunks its retrieval query found in the run's
   * selected Sites, numbered for citation. Records every chunk used (document, version, chunk id,
   * score) before returning. A step that neither has `sources` settings nor mentions `sources` in a
   * template gets '' and costs no query.
   */
  forStep(request: StepSourcesRequest): Promise<string>;
}

const defaultLimit = 5;
const mentionsSources = /\{[{%][^}]*\bsources\b/;

export function usesSources(step: StepDefinition): boolean {
  return (
    step.sources !== undefined || mentionsSources.test(step.prompt) || mentionsSources.test(step.system ?? '')
  );
}

export function createStepSources(deps: Pick<Deps, 'store' | 'templates' | 'clock'>): StepSources {
  return {
    async forStep({ attempt, step, number, context }) {
      if (!usesSources(step)) return '';
      const run = await deps.store.db
        .selectFrom('runs')
        .select('site_ids')
        .where('id', '=', attempt.runId)
        .executeTakeFirst();
      const siteIds = run ? (JSON.parse(run.site_ids) as string[]) : [];
      if (siteIds.length === 0) return '';
      const { query, hits } = await findStepSources(deps, { orgId: attempt.orgId, siteIds, step, context });
      await recordUsage(deps, attempt, number, query, hits);
      return formatSources(hits);
    },
  };
}

/** What a step's retrieval asks, where, with what the template knows so far. */
export interface StepSourcesSearch {
  orgId: string;
  siteIds: readonly string[];
  step: StepDefinition;
  context: TemplateContext;
}

/** The step's retrieval query rendered (without `sources`) and the chunks it finds. */
async function findStepSources(
  deps: Pick<Deps, 'store' | 'templates'>,
  { orgId, siteIds, step, context }: StepSourcesSearch,
): Promise<{ query: string; hits: ChunkHit[] }> {
  const query = deps.templates.render(step.sources?.query ?? step.prompt, { ...context, sources: '' });
  const hits = await searchChunks(deps.store.db, deps.store.kind, {
    orgId,
    siteIds,
    query,
    limit: step.sources?.limit ?? defaultLimit,
  });
  return { query, hits };
}

/**
 * The `{{ sources }}` text a step would get now, recording nothing: what the credit estimate (R5)
 * counts before the run starts. The same search as `forStep`, so for a retrieval query that quotes
 * only variables it is the text the step will see (unless documents change in between); one that
 * quotes earlier outputs is searched without them.
 */
export async function previewStepSources(
  deps: Pick<Deps, 'store' | 'templates'>,
  search: StepSourcesSearch,
): Promise<string> {
  if (!usesSources(search.step) || search.siteIds.length === 0) return '';
  return formatSources((await findStepSources(deps, search)).hits);
}

/**
 * Replaces the step's recorded sources: a step run again (its worker lost the lease) records what
 * that run used, once.
 */
async function recordUsage(
  deps: Pick<Deps, 'store' | 'clock'>,
  attempt: StepSourcesRequest['attempt'],
  number: number,
  query: string,
  hits: ChunkHit[],
): Promise<void> {
  const now = deps.clock.now();
  await deps.store.transaction(async (trx) => {
    await trx
      .deleteFrom('step_sources')
      .where('attempt_id', '=', attempt.id)
      .where('step_number', '=', number)
      .execute();
    if (hits.length === 0) return;
    await trx
      .insertInto('step_sources')
      .values(
        hits.map((hit, i) => ({
          attempt_id: attempt.id,
          step_number: number,
          rank: i + 1,
          org_id: attempt.orgId,
          run_id: attempt.runId,
          site_id: hit.siteId,
          document_id: hit.documentId,
          version_id: hit.versionId,
          chunk_id: hit.chunkId,
          score: hit.score,
          query: query.slice(0, 2000),
          created_at: now,
        })),
      )
      .execute();
  });
}

/** `[1] handbook.pdf (version 2, chunk 4)` then the chunk's text, one block per chunk. */
export function formatSources(hits: readonly ChunkHit[]): string {
  return hits
    .map(
      (hit, i) =>
        `[${i + 1}] ${hit.documentName} (version ${hit.version}, chunk ${hit.index + 1})\n${hit.text}`,
    )
    .join('\n\n');
}
