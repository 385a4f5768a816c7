import ExcelJS from 'exceljs';
import mammoth from 'mammoth';
import { extractText as extractPdfText, getDocumentProxy } from 'unpdf';
import { messageOf } from '../platform/errors.ts';
import { assertZipWithinLimits } from './assert-zip-within-limits.ts';
import { ExtractionError } from './extraction-error.ts';
import { mediaTypes } from './sniff-media-type.ts';

export interface ExtractLimits {
  /** Most bytes a DOCX/XLSX may inflate to. */
  maxUncompressedBytes: number;
}

/**
 * The plain text of a document version, by its sniffed media type. Throws `ExtractionError` with a
 * reason a user can act on: unsupported type, encrypted or corrupt PDF, a PDF without a text layer,
 * a zip bomb, a corrupt DOCX/XLSX.
 */
export async function extractText(bytes: Buffer, mediaType: string, limits: ExtractLimits): Promise<string> {
  switch (mediaType) {
    case mediaTypes.pdf:
      return extractPdf(bytes);
    case mediaTypes.docx:
      await assertZipWithinLimits(bytes, { maxUncompressedBytes: limits.maxUncompressedBytes });
      return extractDocx(bytes);
    case mediaTypes.xlsx:
      await assertZipWithinLimits(bytes, { maxUncompressedBytes: limits.maxUncompressedBytes });
      return extractXlsx(bytes);
    case mediaTypes.csv:
    case mediaTypes.markdown:
    case mediaTypes.text:
      // A byte-order mark is not text.
      return bytes.toString('utf8').replace(/^\uFEFF/, '');
    default:
      throw new ExtractionError(
        `unsupported type ${mediaType}: a Site takes PDF, DOCX, XLSX, CSV, TXT and Markdown`,
      );
  }
}

async function extractPdf(bytes: Buffer): Promise<string> {
  let pages: string[];
  try {
    // pdf.js takes ownership of the array it is given: hand it a copy.
    const pdf = await getDocumentProxy(new Uint8Array(bytes));
    try {
      pages = (await extractPdfText(pdf, { mergePages: false })).text;
    } finally {
      await pdf.destroy();
    }
  } catch (error) {
    const name = (error as { name?: unknown } | null)?.name;
    if (name === 'PasswordException')
      throw new ExtractionError('the PDF is encrypted (password protected); upload an unprotected copy', {
        cause: error,
      });
    throw new ExtractionError(`the PDF is corrupt or unreadable: ${messageOf(error)}`, { cause: error });
  }
  const text = pages.map((p) => p.trim()).join('\n\n');
  if (text.trim() === '')
    throw new ExtractionError(
      `the PDF has no text layer (${pages.length} page${pages.length === 1 ? '' : 's'} of images, e.g. a scan); OCR is not supported`,
    );
  return text;
}

async function extractDocx(bytes: Buffer): Promise<string> {
  try {
    const result = await mammoth.extractRawText({ buffer: bytes });
    return result.value;
  } catch (error) {
    throw new ExtractionError(`the DOCX is corrupt or unreadable: ${messageOf(error)}`, { cause: error });
  }
}

/** Each sheet under its name, one row per line, cells separated by tabs. */
async function extractXlsx(bytes: Buffer): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (error) {
    throw new ExtractionError(`the XLSX is corrupt or unreadable: ${messageOf(error)}`, { cause: error });
  }
  const sheets: string[] = [];
  workbook.eachSheet((sheet) => {
    const lines = [`# ${sheet.name}`];
    sheet.eachRow((row) => {
      const cells: string[] = [];
      row.eachCell({ includeEmpty: true }, (cell) => {
        cells.push(cell.text.replace(/[\t\r\n]+/g, ' '));
      });
      lines.push(cells.join('\t'));
    });
    sheets.push(lines.join('\n'));
  });
  return sheets.join('\n\n');
}
