import type { Deps } from '../deps.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import { type FileKind, fileKindInfo } from './file-kind.ts';
import type { FileRenderer } from './file-renderer.ts';
import { fileSpecJsonSchema, parseFileSpecOrThrow } from './file-spec.ts';
import type { StoredFileRef } from './stored-file.ts';

export type FileGeneratorDeps = Pick<Deps, 'store' | 'blobs' | 'ids' | 'clock'> & {
  /** Where the library runs: worker threads (`file-renderer.ts`), off the engine's event loop. */
  renderer: FileRenderer;
  /** Called with each stored file and the thread that rendered it: how tests see it left the event loop. */
  onRendered?: (fileId: string, threadId: number) => void;
};

/** What the model call of a file step carries: the kind and the JSON Schema of its spec. */
export interface FileRequest {
  fileKind: FileKind;
  outputSchema: Record<string, unknown>;
}

/**
 * The model call's extra fields for a file step. Throws when the model cannot fill a schema: the
 * agent was checked when saved, but a run may override the model (SPEC D6).
 */
export function fileRequestOrThrow(kind: FileKind, model: string, models: ModelRegistry): FileRequest {
  const support = models.structuredOutput(model);
  if (!support.supported)
    throw new Error(`this step generates a ${kind} file, which needs structured output: ${support.reason}`);
  return { fileKind: kind, outputSchema: fileSpecJsonSchema(kind) };
}

export interface GeneratedFileInput {
  orgId: string;
  runId: string;
  attemptId: string;
  leaseGeneration: number;
  stepNumber: number;
  stepKey: string;
  kind: FileKind;
  /** Without extension; the step's key when the step names none. */
  fileName: string | undefined;
  /** The model's answer: the spec, as JSON. */
  answer: string;
  /** Aborts the rendering (the attempt was canceled or taken over). */
  signal?: AbortSignal;
}

/**
 * Turns a file step's answer into a stored file: parses the spec (a FileSpecError names what broke),
 * renders it with the kind's library in a rendering thread, stores the bytes by SHA-256 and records
 * the file's row.
 * The row is written before the step's result commits; should that commit be refused (the attempt
 * was canceled or taken over), the row stays unlisted, since runs list the files of committed results.
 */
export async function generateFile(
  deps: FileGeneratorDeps,
  input: GeneratedFileInput,
): Promise<StoredFileRef> {
  const spec = parseFileSpecOrThrow(input.kind, input.answer);
  const now = deps.clock.now();
  const { bytes, threadId } = await deps.renderer.render(spec, new Date(now), input.signal);
  const { sha256, sizeBytes } = await deps.blobs.put(input.orgId, bytes);
  const info = fileKindInfo[input.kind];
  const ref: StoredFileRef = {
    id: deps.ids.next('fil'),
    name: `${input.fileName ?? input.stepKey}.${info.extension}`,
    kind: input.kind,
    contentType: info.contentType,
    sizeBytes,
    sha256,
  };
  await deps.store.db
    .insertInto('files')
    .values({
      id: ref.id,
      org_id: input.orgId,
      run_id: input.runId,
      attempt_id: input.attemptId,
      step_number: input.stepNumber,
      step_key: input.stepKey,
      name: ref.name,
      kind: ref.kind,
      content_type: ref.contentType,
      size_bytes: sizeBytes,
      sha256,
      lease_generation: input.leaseGeneration,
      created_at: now,
    })
    .execute();
  deps.onRendered?.(ref.id, threadId);
  return ref;
}
