import type { FileKind } from './file-kind.ts';

/**
 * A generated file as its step result records it (the `files` JSON of `step_results`): enough to
 * list and download it without another query. The bytes are in the blob store under `sha256`;
 * the `files` table holds the same facts plus the run, attempt and step that made it.
 */
export interface StoredFileRef {
  id: string;
  name: string;
  kind: FileKind;
  contentType: string;
  sizeBytes: number;
  sha256: string;
}

/** A file as the API shows it with its step and its run (SPEC D5, D6). */
export interface FileView extends StoredFileRef {
  /** `GET` downloads it. */
  url: string;
  /** `GET` shows a preview: the image itself, or the first sheet, page or slide as JSON. */
  previewUrl: string;
}

export function toFileView(ref: StoredFileRef): FileView {
  return { ...ref, url: `/api/files/${ref.id}`, previewUrl: `/api/files/${ref.id}/preview` };
}

/** The `files` column of a step result as views. */
export function fileViewsOf(json: string): FileView[] {
  return (JSON.parse(json) as StoredFileRef[]).map(toFileView);
}
