import type { FileSpec } from './file-spec.ts';
import { renderDocument } from './render-document.ts';
import { renderImage } from './render-image.ts';
import { renderPdf } from './render-pdf.ts';
import { renderPresentation } from './render-presentation.ts';
import { renderSpreadsheet } from './render-spreadsheet.ts';

/** Renders a parsed spec with its kind's library; `at` dates the file where the format records it. */
export function renderFile(file: FileSpec, at: Date): Promise<Buffer> {
  switch (file.kind) {
    case 'spreadsheet':
      return renderSpreadsheet(file.spec, at);
    case 'document':
      return renderDocument(file.spec);
    case 'pdf':
      return renderPdf(file.spec, at);
    case 'presentation':
      return renderPresentation(file.spec);
    case 'image':
      return renderImage(file.spec);
    default: {
      const unreachable: never = file;
      return unreachable;
    }
  }
}
