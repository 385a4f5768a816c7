/**
 * The kinds of file a step can generate (SPEC D6), with what a download says about each.
 * `pdf` shares the document spec and renders it to PDF instead of .docx.
 */
export const fileKinds = ['spreadsheet', 'document', 'pdf', 'presentation', 'image'] as const;

export type FileKind = (typeof fileKinds)[number];

export interface FileKindInfo {
  extension: string;
  contentType: string;
}

export const fileKindInfo: Record<FileKind, FileKindInfo> = {
  spreadsheet: {
    extension: 'xlsx',
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  },
  document: {
    extension: 'docx',
    contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  },
  pdf: { extension: 'pdf', contentType: 'application/pdf' },
  presentation: {
    extension: 'pptx',
    contentType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  },
  image: { extension: 'png', contentType: 'image/png' },
};
