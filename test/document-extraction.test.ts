import { monitorEventLoopDelay } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExtractionWorker } from '../src/sites/extraction-worker.ts';
import type { DocumentView } from '../src/sites/site-view.ts';
import { type ApiHarness, createApiHarness } from './support/api-harness.ts';
import { makeDocx, makeDocxBomb, makeImageOnlyPdf, makePdf, makeXlsx } from './support/document-fixtures.ts';
import { createSiteViaApi, extractAll, uploadViaApi } from './support/sites.ts';
import { storeKinds } from './support/test-deps.ts';

const arabic = 'تقرير المبيعات السنوي يظهر نموا قويا';
const hebrew = 'הדוח השנתי מראה צמיחה חזקה';

describe.each(storeKinds)('document extraction on %s', (kind) => {
  let api: ApiHarness;
  let siteId: string;
  beforeAll(async () => {
    // A small unzip limit keeps the zip bombs quick to build; the guard is the same at any size.
    api = await createApiHarness(kind, { config: { unzipLimitBytes: 8 * 1024 * 1024 } });
    siteId = (await createSiteViaApi(api)).id;
  });
  afterAll(async () => {
    await api.close();
  });

  /** Uploads, extracts, and returns the document's latest version and its text (when ready). */
  const extract = async (name: string, content: Buffer | string) => {
    const up = await uploadViaApi(api, siteId, name, content);
    expect(up.status).toBe(201);
    await extractAll(api);
    const doc = (await api.call<DocumentView>('GET', `/api/sites/${siteId}/documents/${up.body.id}`)).body;
    const version = doc.versions[0];
    if (!version) throw new Error('no version');
    const text =
      version.status === 'ready'
        ? (await api.call<{ text: string }>('GET', `/api/sites/${siteId}/documents/${doc.id}/text`)).body.text
        : null;
    return { version, text };
  };

  it('extracts a PDF with a text layer, page by page', async () => {
    const { version, text } = await extract(
      'report.pdf',
      await makePdf(['Quarterly revenue grew', 'Costs fell']),
    );
    expect(version).toMatchObject({ mediaType: 'application/pdf', status: 'ready' });
    expect(text).toContain('Quarterly revenue grew');
    expect(text).toContain('Costs fell');
  });

  it('extracts a DOCX', async () => {
    const { version, text } = await extract(
      'memo.docx',
      await makeDocx(['Dear team,', 'The launch is on Monday.']),
    );
    expect(version.mediaType).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(version.status).toBe('ready');
    expect(text).toContain('The launch is on Monday.');
  });

  it('extracts every sheet of an XLSX, row by row', async () => {
    const bytes = await makeXlsx({
      Sales: [
        ['Region', 'Total'],
        ['North', 1200],
      ],
      Costs: [['Rent', 300]],
    });
    const { version, text } = await extract('numbers.xlsx', bytes);
    expect(version).toMatchObject({ status: 'ready' });
    expect(version.mediaType).toContain('spreadsheetml');
    expect(text).toBe('# Sales\nRegion\tTotal\nNorth\t1200\n\n# Costs\nRent\t300');
  });

  it('extracts CSV, TXT and Markdown as text', async () => {
    const csv = await extract('table.csv', 'name,amount\nAcme,10\n');
    expect(csv.version).toMatchObject({ mediaType: 'text/csv', status: 'ready' });
    expect(csv.text).toBe('name,amount\nAcme,10\n');
    const txt = await extract('plain.txt', '\uFEFFWindows line\r\nendings');
    expect(txt.version.mediaType).toBe('text/plain');
    expect(txt.text).toBe('Windows line\nendings');
    const md = await extract('readme.md', '# Title\n\n- item');
    expect(md.version.mediaType).toBe('text/markdown');
    expect(md.text).toBe('# Title\n\n- item');
  });

  it('trusts the content, not the name: a PDF named .txt is a PDF, a text named .pdf is text', async () => {
    const pdf = await extract('disguised.txt', await makePdf(['Hidden pdf']));
    expect(pdf.version.mediaType).toBe('application/pdf');
    expect(pdf.text).toContain('Hidden pdf');
    const text = await extract('fake.pdf', 'just some words');
    expect(text.version.mediaType).toBe('text/plain');
    expect(text.text).toBe('just some words');
  });

  it('keeps Unicode and right-to-left text, and finds it', async () => {
    const txt = await extract('arabic.txt', `${arabic}\n${hebrew}\nCafé naïve 日本語`);
    expect(txt.text).toBe(`${arabic}\n${hebrew}\nCafé naïve 日本語`);
    const docx = await extract('hebrew.docx', await makeDocx([hebrew]));
    expect(docx.text).toContain(hebrew);
    const hits = await api.call<{ items: Array<{ documentName: string }> }>(
      'GET',
      `/api/sites/${siteId}/search?q=${encodeURIComponent('המבוקש חזקה')}`,
    );
    expect(hits.body.items.map((h) => h.documentName).sort()).toEqual(['arabic.txt', 'hebrew.docx']);
    const arabicHits = await api.call<{ items: Array<{ documentName: string }> }>(
      'GET',
      `/api/sites/${siteId}/search?q=${encodeURIComponent('المبيعات')}`,
    );
    expect(arabicHits.body.items.map((h) => h.documentName)).toEqual(['arabic.txt']);
  });

  it('records a DOCX zip bomb as failed before inflating it', async () => {
    const bomb = makeDocxBomb(64 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(200 * 1024);
    const { version } = await extract('bomb.docx', bomb);
    expect(version.status).toBe('failed');
    expect(version.error).toMatch(/zip bomb/);
  });

  it('records a zip bomb whose headers lie about its size as failed', async () => {
    const { version } = await extract('liar.docx', makeDocxBomb(32 * 1024 * 1024, true));
    expect(version.status).toBe('failed');
    expect(version.error).toMatch(/zip bomb|corrupt/);
  });

  it('records a PDF without a text layer as failed, saying so', async () => {
    const { version } = await extract('scan.pdf', await makeImageOnlyPdf());
    expect(version.status).toBe('failed');
    expect(version.error).toMatch(/no text layer/);
  });

  it('records a corrupt PDF and an unsupported type as failed with the reason', async () => {
    const corrupt = await extract(
      'broken.pdf',
      Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2000, 0xff)]),
    );
    expect(corrupt.version).toMatchObject({ mediaType: 'application/pdf', status: 'failed' });
    expect(corrupt.version.error).toMatch(/corrupt|unreadable/);
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
      'base64',
    );
    const image = await extract('photo.txt', png);
    expect(image.version).toMatchObject({ mediaType: 'image/png', status: 'failed' });
    expect(image.version.error).toMatch(/^unsupported type image\/png/);
  });

  it('extracts a big PDF in a worker thread while the API keeps answering', async () => {
    const pages = Array.from(
      { length: 150 },
      (_, i) => `Page ${i + 1}: ${'the quarterly figures are reconciled against the ledger '.repeat(30)}`,
    );
    const up = await uploadViaApi(api, siteId, 'ledger.pdf', await makePdf(pages));
    expect(up.status).toBe(201);
    const threads: number[] = [];
    const extraction = createExtractionWorker(api.deps, {
      onExtracted: (_versionId, thread) => threads.push(thread),
    });
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const extracting = extraction.runOnce();
    // The API answers requests during the extraction (counted, not timed).
    let answered = 0;
    let done = false;
    void extracting.then(() => {
      done = true;
    });
    while (!done) {
      const health = await api.call('GET', '/api/health');
      expect(health.status).toBe(200);
      answered++;
      // On SQLite a request completes without touching the event loop's I/O phase: yield to it, so
      // the thread's answer can arrive.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    delay.disable();
    expect(await extracting).toBe(1);
    // Parsed in another thread, not on this one's event loop.
    expect(threads).toHaveLength(1);
    expect(threads[0]).not.toBe(threadId);
    expect(answered).toBeGreaterThan(0);
    console.log(
      `big PDF extraction: event loop delay max ${(delay.max / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms; ${answered} requests answered meanwhile`,
    );
    const doc = (await api.call<DocumentView>('GET', `/api/sites/${siteId}/documents/${up.body.id}`)).body;
    expect(doc.versions[0]?.status).toBe('ready');
  });

  it('keeps serving after hostile files', async () => {
    const health = await api.call<{ status: string }>('GET', '/api/health');
    expect(health.status).toBe(200);
  });
});
