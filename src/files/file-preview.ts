import type { DocumentBlock } from './document-spec.ts';
import type { FileSpec } from './file-spec.ts';
import type { SlideSpec } from './presentation-spec.ts';
import type { Cell } from './spreadsheet-spec.ts';

/** Rows of a sheet, blocks of a document: about what a first screen or a first page holds. */
const PREVIEW_ROWS = 50;
const PREVIEW_BLOCKS = 25;

/**
 * A text preview of a generated file, from the spec it was rendered from: the first sheet of a
 * spreadsheet, the first page's worth of a document or PDF, the first slides of a presentation
 * (the title slide and the first content slide). Images are previewed as themselves, not here.
 * Rendering a picture of a page would take LibreOffice, seconds per file; this takes microseconds.
 */
export type FilePreview =
  | {
      type: 'sheet';
      sheet: string;
      sheetCount: number;
      columns: string[];
      rows: Cell[][];
      rowCount: number;
    }
  | { type: 'page'; title: string; blocks: DocumentBlock[]; blockCount: number }
  | {
      type: 'slide';
      title: string;
      subtitle: string | null;
      firstSlide: SlideSpec | null;
      slideCount: number;
    }
  | { type: 'image'; width: number; height: number; title: string | null };

export function previewOf(file: FileSpec): FilePreview {
  switch (file.kind) {
    case 'spreadsheet': {
      const [sheet] = file.spec.sheets;
      return {
        type: 'sheet',
        sheet: sheet?.name ?? '',
        sheetCount: file.spec.sheets.length,
        columns: sheet?.columns.map((c) => c.header) ?? [],
        rows: sheet?.rows.slice(0, PREVIEW_ROWS) ?? [],
        rowCount: sheet?.rows.length ?? 0,
      };
    }
    case 'document':
    case 'pdf':
      return {
        type: 'page',
        title: file.spec.title,
        blocks: file.spec.blocks.slice(0, PREVIEW_BLOCKS),
        blockCount: file.spec.blocks.length,
      };
    case 'presentation':
      return {
        type: 'slide',
        title: file.spec.title,
        subtitle: file.spec.subtitle ?? null,
        firstSlide: file.spec.slides[0] ?? null,
        // The title slide counts: it is the first slide of the file.
        slideCount: file.spec.slides.length + 1,
      };
    case 'image':
      return {
        type: 'image',
        width: file.spec.width,
        height: file.spec.height,
        title: file.spec.chart.title ?? null,
      };
    default: {
      const unreachable: never = file;
      return unreachable;
    }
  }
}
