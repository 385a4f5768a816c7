import { z } from 'zod';
import { messageOf } from '../platform/errors.ts';
import { issuesOf } from '../platform/zod-issues.ts';
import { type DocumentSpec, documentSpecSchema } from './document-spec.ts';
import type { FileKind } from './file-kind.ts';
import { type ImageSpec, imageSpecSchema } from './image-spec.ts';
import { type PresentationSpec, presentationSpecSchema } from './presentation-spec.ts';
import { type SpreadsheetSpec, spreadsheetSpecSchema } from './spreadsheet-spec.ts';

/** The spec a model fills for each kind; `pdf` shares the document's. */
export const fileSpecSchemas = {
  spreadsheet: spreadsheetSpecSchema,
  document: documentSpecSchema,
  pdf: documentSpecSchema,
  presentation: presentationSpecSchema,
  image: imageSpecSchema,
} as const satisfies Record<FileKind, z.ZodType>;

export interface FileSpecs {
  spreadsheet: SpreadsheetSpec;
  document: DocumentSpec;
  pdf: DocumentSpec;
  presentation: PresentationSpec;
  image: ImageSpec;
}

/** A parsed spec together with its kind, so renderers switch on one value. */
export type FileSpec = { [K in FileKind]: { kind: K; spec: FileSpecs[K] } }[FileKind];

const jsonSchemas = new Map<FileKind, Record<string, unknown>>();

/** The JSON Schema (draft 2020-12) of a kind's spec, as sent with the model call. */
export function fileSpecJsonSchema(kind: FileKind): Record<string, unknown> {
  let schema = jsonSchemas.get(kind);
  if (!schema) {
    schema = z.toJSONSchema(fileSpecSchemas[kind], { io: 'input' }) as Record<string, unknown>;
    jsonSchemas.set(kind, schema);
  }
  return schema;
}

/**
 * A model answer that is not the spec it was asked for. The message names what broke, by path,
 * so the failed step says e.g. `sheets[0].rows[2]: has 4 cells but the sheet has 3 columns`.
 */
export class FileSpecError extends Error {
  constructor(
    readonly kind: FileKind,
    message: string,
    readonly issues: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
    this.name = 'FileSpecError';
  }
}

/** Parses a model's answer as the spec of `kind`; throws FileSpecError naming what broke. */
export function parseFileSpecOrThrow(kind: FileKind, answer: string): FileSpec {
  let json: unknown;
  try {
    json = JSON.parse(stripFence(answer));
  } catch (error) {
    throw new FileSpecError(kind, `the model's ${kind} spec is not valid JSON: ${messageOf(error)}`);
  }
  const result = fileSpecSchemas[kind].safeParse(json);
  if (!result.success) {
    const issues = issuesOf(result.error);
    const shown = issues
      .slice(0, 3)
      .map((i) => `${i.path}: ${i.message}`)
      .join('; ');
    const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
    throw new FileSpecError(kind, `the model's ${kind} spec breaks the schema at ${shown}${more}`, issues);
  }
  return { kind, spec: result.data } as FileSpec;
}

/** Models asked for JSON still wrap it in a Markdown fence now and then; the fence is not the spec. */
function stripFence(text: string): string {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n\s*```\s*$/.exec(text);
  return fenced?.[1] ?? text;
}
