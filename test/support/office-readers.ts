import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';

/**
 * Real readers of generated files: LibreOffice (headless) and Debian's Python with openpyxl and
 * python-docx. A suite that needs them is skipped loudly where they are missing; with
 * `libreoffice` in AGENTRUNS_REQUIRE (as CI sets it) a missing one fails the suite instead.
 */
const run = promisify(execFile);

/** Debian's Python, where python3-openpyxl and python3-docx install (not a pyenv one on PATH). */
export const DEBIAN_PYTHON = '/usr/bin/python3';

function works(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

const required = (process.env.AGENTRUNS_REQUIRE ?? '').split(',').map((s) => s.trim());

export const hasOfficeReaders =
  works('soffice', ['--version']) && works(DEBIAN_PYTHON, ['-c', 'import openpyxl, docx']);

if (!hasOfficeReaders) {
  if (required.includes('libreoffice'))
    throw new Error(
      'AGENTRUNS_REQUIRE has libreoffice, but soffice or /usr/bin/python3 with openpyxl and python-docx is missing',
    );
  console.warn(
    '\n*** LibreOffice or python3-openpyxl/python3-docx is missing: file reader suites are SKIPPED ***\n',
  );
}

/**
 * Converts every file to PDF in one LibreOffice process, with a private profile so parallel test
 * files do not share one (LibreOffice locks its profile). Returns the PDFs by input file name.
 */
export async function convertToPdf(files: string[]): Promise<Map<string, Buffer>> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-soffice-'));
  const outDir = path.join(work, 'out');
  try {
    await run(
      'soffice',
      [
        `-env:UserInstallation=file://${path.join(work, 'profile')}`,
        '--headless',
        '--norestore',
        '--convert-to',
        'pdf',
        '--outdir',
        outDir,
        ...files,
      ],
      { timeout: 180_000 },
    );
    const pdfs = new Map<string, Buffer>();
    for (const file of files) {
      const pdf = path.join(outDir, `${path.parse(file).name}.pdf`);
      if (fs.existsSync(pdf)) pdfs.set(path.basename(file), fs.readFileSync(pdf));
    }
    return pdfs;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The text of every page of a PDF, read by pdf.js (Mozilla's reader). */
export async function pdfText(bytes: Buffer): Promise<{ pages: number; text: string }> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const document = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: false, verbosity: 0 })
    .promise;
  const texts: string[] = [];
  for (let n = 1; n <= document.numPages; n++) {
    const content = await (await document.getPage(n)).getTextContent();
    texts.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  await document.destroy();
  return { pages: document.numPages, text: texts.join('\n') };
}

/** Runs a Python snippet on Debian's Python with `file` as `sys.argv[1]`; returns its JSON output. */
async function python<T>(script: string, file: string): Promise<T> {
  const { stdout } = await run(DEBIAN_PYTHON, ['-c', script, file], { timeout: 60_000 });
  return JSON.parse(stdout) as T;
}

export interface XlsxContent {
  sheets: string[];
  /** Values by sheet; formulas as openpyxl reads them (`=SUM(B2:B4)`). */
  cells: Record<string, unknown[][]>;
  numberFormats: Record<string, string>;
}

/** Reads a workbook with openpyxl: sheet names, every cell's value, and the formats of row 2. */
export function readXlsx(file: string): Promise<XlsxContent> {
  return python<XlsxContent>(
    `
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {"sheets": wb.sheetnames, "cells": {}, "numberFormats": {}}
for ws in wb.worksheets:
    out["cells"][ws.title] = [list(r) for r in ws.iter_rows(values_only=True)]
    if ws.max_row >= 2:
        for c in ws[2]:
            out["numberFormats"][ws.title + "!" + c.coordinate] = c.number_format
print(json.dumps(out))
`,
    file,
  );
}

export interface DocxContent {
  paragraphs: Array<{ style: string; text: string }>;
  tables: string[][][];
}

/** Reads a document with python-docx: each paragraph with its style, each table's cell texts. */
export function readDocx(file: string): Promise<DocxContent> {
  return python<DocxContent>(
    `
import json, sys, docx
d = docx.Document(sys.argv[1])
print(json.dumps({
  "paragraphs": [{"style": p.style.name, "text": p.text} for p in d.paragraphs],
  "tables": [[[c.text for c in row.cells] for row in t.rows] for t in d.tables],
}))
`,
    file,
  );
}

/** Decodes a PNG fully (every chunk and its CRC) and returns its size. */
export function pngSize(bytes: Buffer): { width: number; height: number } {
  const png = PNG.sync.read(bytes);
  return { width: png.width, height: png.height };
}
