import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentView } from '../src/agents/agent-service.ts';
import { createWorker } from '../src/engine/worker.ts';
import { type FileKind, fileKindInfo, fileKinds } from '../src/files/file-kind.ts';
import type { FileView } from '../src/files/stored-file.ts';
import type { RunDetails } from '../src/runs/run-view.ts';
import { type ApiHarness, createApiHarness } from './support/api-harness.ts';
import {
  convertToPdf,
  hasOfficeReaders,
  pdfText,
  pngSize,
  readDocx,
  readXlsx,
} from './support/office-readers.ts';
import { storeKinds } from './support/test-deps.ts';

/** What every step asks for; the simulated model puts exactly this into each kind (simulated-file-spec.ts). */
const prompt = [
  'Quarterly sales for {{ vars.customer }}',
  'Revenue grew in every region. Chart at 800x450.',
  '- Open the Berlin office',
  '- Hire two engineers',
  '| Region | Revenue | Units |',
  '|---|---|---|',
  '| North | 1200.5 | 10 |',
  '| South | 800 | 7 |',
  '| East | 450 | 3 |',
].join('\n');

const documentName = 'Bericht — Müller';

const fileAgent = {
  name: 'Quarterly pack',
  variables: [{ name: 'customer', type: 'string', required: true }],
  modelSettings: { model: 'simulated/default' },
  steps: fileKinds.map((kind) => ({
    name: `Make ${kind}`,
    prompt,
    output: { format: 'file', kind, ...(kind === 'document' ? { fileName: documentName } : {}) },
  })),
};

describe.each(storeKinds)('generated files on %s', (storeKind) => {
  let api: ApiHarness;
  let run: RunDetails;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-files-'));
  const downloads = new Map<
    FileKind,
    { file: FileView; bytes: Buffer; headers: Record<string, unknown>; path: string }
  >();

  beforeAll(async () => {
    api = await createApiHarness(storeKind);
    const agent = await api.call<AgentView>('POST', '/api/agents', fileAgent);
    expect(agent.status).toBe(201);
    const created = await api.call<RunDetails>('POST', `/api/agents/${agent.body.id}/runs`, {
      variables: { customer: 'Acme' },
    });
    await createWorker(api.deps).runOnce();
    run = (await api.call<RunDetails>('GET', `/api/runs/${created.body.id}`)).body;
    for (const step of run.steps) {
      const file = step.files[0];
      if (!file) continue;
      const response = await api.call('GET', file.url);
      const bytes = response.raw.rawPayload;
      const where = path.join(dir, `${file.kind}.${fileKindInfo[file.kind].extension}`);
      fs.writeFileSync(where, bytes);
      downloads.set(file.kind, { file, bytes, headers: response.headers, path: where });
    }
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const downloaded = (kind: FileKind) => {
    const d = downloads.get(kind);
    if (!d) throw new Error(`no ${kind} file was downloaded`);
    return d;
  };

  it('lists one file with each step and every file with the final output', () => {
    expect(run.status).toBe('completed');
    expect(run.steps.map((s) => s.files.map((f) => [f.kind, f.name, f.contentType]))).toEqual([
      [['spreadsheet', 'make_spreadsheet.xlsx', fileKindInfo.spreadsheet.contentType]],
      [['document', `${documentName}.docx`, fileKindInfo.document.contentType]],
      [['pdf', 'make_pdf.pdf', 'application/pdf']],
      [['presentation', 'make_presentation.pptx', fileKindInfo.presentation.contentType]],
      [['image', 'make_image.png', 'image/png']],
    ]);
    expect(run.files.map((f) => f.id)).toEqual(run.steps.map((s) => s.files[0]?.id));
    for (const file of run.files) {
      expect(file.url).toBe(`/api/files/${file.id}`);
      expect(file.previewUrl).toBe(`/api/files/${file.id}/preview`);
    }
  });

  it('downloads the stored bytes with their Content-Type and an RFC 6266 Content-Disposition', () => {
    for (const kind of fileKinds) {
      const { file, bytes, headers } = downloaded(kind);
      expect(headers['content-type']).toBe(fileKindInfo[kind].contentType);
      expect(bytes.length).toBe(file.sizeBytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
      expect(headers.etag).toBe(`"${file.sha256}"`);
    }
    expect(downloaded('spreadsheet').headers['content-disposition']).toBe(
      `attachment; filename="make_spreadsheet.xlsx"; filename*=UTF-8''make_spreadsheet.xlsx`,
    );
    expect(downloaded('document').headers['content-disposition']).toBe(
      `attachment; filename="Bericht _ M_ller.docx"; filename*=UTF-8''Bericht%20%E2%80%94%20M%C3%BCller.docx`,
    );
  });

  it('records each file with its run, attempt and step, its bytes stored by SHA-256', async () => {
    const rows = await api.deps.store.db
      .selectFrom('files')
      .selectAll()
      .where('run_id', '=', run.id)
      .orderBy('step_number')
      .execute();
    const attempt = await api.deps.store.db
      .selectFrom('attempts')
      .select('id')
      .where('run_id', '=', run.id)
      .executeTakeFirstOrThrow();
    expect(rows.map((r) => [r.step_number, r.kind, r.attempt_id, r.id])).toEqual(
      run.files.map((f, i) => [i + 1, f.kind, attempt.id, f.id]),
    );
    for (const row of rows) {
      const blob = await api.deps.blobs.getOrThrow(row.org_id, row.sha256);
      expect(Number(row.size_bytes)).toBe(blob.length);
      expect(createHash('sha256').update(blob).digest('hex')).toBe(row.sha256);
    }
  });

  it.runIf(hasOfficeReaders)('openpyxl reads back the asked cells, formulas and number formats', async () => {
    const xlsx = await readXlsx(downloaded('spreadsheet').path);
    expect(xlsx.sheets).toEqual(['Data', 'Notes']);
    expect(xlsx.cells.Data).toEqual([
      ['Region', 'Revenue', 'Units'],
      ['North', 1200.5, 10],
      ['South', 800, 7],
      ['East', 450, 3],
      ['Total', '=SUM(B2:B4)', '=SUM(C2:C4)'],
    ]);
    expect(xlsx.numberFormats['Data!B2']).toBe('#,##0.00');
    expect(xlsx.cells.Notes?.[0]).toEqual(['Quarterly sales for Acme']);
    expect(xlsx.cells.Notes?.slice(1, 4)).toEqual([
      ['Revenue grew in every region. Chart at 800x450.'],
      ['Open the Berlin office'],
      ['Hire two engineers'],
    ]);
  });

  it.runIf(hasOfficeReaders)(
    'python-docx reads back the asked title, headings, paragraphs, bullets and table',
    async () => {
      const docx = await readDocx(downloaded('document').path);
      expect(docx.paragraphs.slice(0, 5)).toEqual([
        { style: 'Title', text: 'Quarterly sales for Acme' },
        { style: 'Heading 1', text: 'Summary' },
        { style: 'Normal', text: 'Revenue grew in every region. Chart at 800x450.' },
        { style: 'List Paragraph', text: 'Open the Berlin office' },
        { style: 'List Paragraph', text: 'Hire two engineers' },
      ]);
      expect(docx.paragraphs[5]).toEqual({ style: 'Heading 2', text: 'Data' });
      expect(docx.tables).toEqual([
        [
          ['Region', 'Revenue', 'Units'],
          ['North', '1200.5', '10'],
          ['South', '800', '7'],
          ['East', '450', '3'],
        ],
      ]);
    },
  );

  it('the PNG decodes at the asked size and previews inline', async () => {
    const { file, bytes } = downloaded('image');
    expect(pngSize(bytes)).toEqual({ width: 800, height: 450 });
    const preview = await api.call('GET', file.previewUrl);
    expect(preview.status).toBe(200);
    expect(preview.headers['content-type']).toBe('image/png');
    expect(preview.headers['content-disposition']).toBe(
      `inline; filename="make_image.png"; filename*=UTF-8''make_image.png`,
    );
    expect(preview.raw.rawPayload.equals(bytes)).toBe(true);
  });

  it('pdf.js reads the asked text from the PDF', async () => {
    const { pages, text } = await pdfText(downloaded('pdf').bytes);
    expect(pages).toBe(1);
    for (const asked of [
      'Quarterly sales for Acme',
      'Revenue grew in every region.',
      'Open the Berlin office',
      'North',
      '1200.5',
    ])
      expect(text).toContain(asked);
  });

  it('previews the first sheet, page and slide as JSON', async () => {
    const preview = async (kind: FileKind) =>
      (await api.call<{ preview: Record<string, unknown> }>('GET', downloaded(kind).file.previewUrl)).body
        .preview;
    expect(await preview('spreadsheet')).toMatchObject({
      type: 'sheet',
      sheet: 'Data',
      sheetCount: 2,
      columns: ['Region', 'Revenue', 'Units'],
      rowCount: 4,
    });
    expect(await preview('document')).toMatchObject({ type: 'page', title: 'Quarterly sales for Acme' });
    expect(await preview('pdf')).toMatchObject({ type: 'page', title: 'Quarterly sales for Acme' });
    expect(await preview('presentation')).toMatchObject({
      type: 'slide',
      title: 'Quarterly sales for Acme',
      slideCount: 4,
      firstSlide: { title: 'Overview' },
    });
  });

  // LibreOffice takes seconds a file on two cores, so it converts each kind once in the whole
  // suite: on the first store only (the files are the same bytes on both).
  if (storeKind === storeKinds[0])
    it.runIf(hasOfficeReaders)(
      'LibreOffice opens every kind and converts it to PDF',
      async () => {
        const pdfs = await convertToPdf(fileKinds.map((kind) => downloaded(kind).path));
        const textOf = async (kind: FileKind) => {
          const pdf = pdfs.get(path.basename(downloaded(kind).path));
          if (!pdf) throw new Error(`LibreOffice did not convert the ${kind} file`);
          return pdfText(pdf);
        };
        // Calc computed the SUM formula and applied the column's number format.
        const sheet = await textOf('spreadsheet');
        expect(sheet.text).toContain('2,450.50');
        expect(sheet.text).toContain('North');
        expect((await textOf('document')).text).toContain('Quarterly sales for Acme');
        expect((await textOf('pdf')).text).toContain('Open the Berlin office');
        const slides = await textOf('presentation');
        expect(slides.pages).toBe(4);
        expect(slides.text).toContain('Overview');
        expect(slides.text).toContain('Hire two engineers');
        expect((await textOf('image')).pages).toBe(1);
      },
      180_000,
    );
});
