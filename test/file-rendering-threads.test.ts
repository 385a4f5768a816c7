import { monitorEventLoopDelay } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentView } from '../src/agents/agent-service.ts';
import { createWorker } from '../src/engine/worker.ts';
import { createThreadRenderer } from '../src/files/file-renderer.ts';
import type { FileSpec } from '../src/files/file-spec.ts';
import { renderFile } from '../src/files/render-file.ts';
import type { RunDetails } from '../src/runs/run-view.ts';
import { type ApiHarness, createApiHarness } from './support/api-harness.ts';
import { storeKinds } from './support/test-deps.ts';

/** A prompt whose table the simulated model turns into a spreadsheet of `rows` rows. */
const bigTablePrompt = (rows: number) =>
  [
    'Ledger',
    '| Item | Amount | Units |',
    '|---|---|---|',
    ...Array.from({ length: rows }, (_, i) => `| Item ${i + 1} | ${(i * 1.5).toFixed(1)} | ${i % 17} |`),
  ].join('\n');

describe.each(storeKinds)('file rendering in worker threads on %s', (kind) => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await createApiHarness(kind);
  });
  afterEach(async () => {
    await api.close();
  });

  it('renders a big spreadsheet in another thread while the API keeps answering', async () => {
    const agent = await api.call<AgentView>('POST', '/api/agents', {
      name: 'Big sheet',
      modelSettings: { model: 'simulated/default' },
      steps: [
        { name: 'Sheet', prompt: bigTablePrompt(5000), output: { format: 'file', kind: 'spreadsheet' } },
      ],
    });
    expect(agent.status).toBe(201);
    const created = await api.call<RunDetails>('POST', `/api/agents/${agent.body.id}/runs`, {});
    expect(created.status).toBe(201);
    const rendered: Array<{ fileId: string; thread: number }> = [];
    const worker = createWorker(api.deps, {
      onFileRendered: (fileId, thread) => rendered.push({ fileId, thread }),
    });
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const running = worker.runOnce();
    // The API answers requests during the run (counted, not timed).
    let answered = 0;
    let done = false;
    void running.then(() => {
      done = true;
    });
    while (!done) {
      const health = await api.call('GET', '/api/health');
      expect(health.status).toBe(200);
      answered++;
      // On SQLite a request completes without the event loop's I/O phase: yield to it.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await running;
    delay.disable();
    expect(answered).toBeGreaterThan(0);
    console.log(
      `5,000-row spreadsheet step: event loop delay max ${(delay.max / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms; ${answered} requests answered meanwhile`,
    );
    const run = (await api.call<RunDetails>('GET', `/api/runs/${created.body.id}`)).body;
    expect(run.status).toBe('completed');
    // Rendered in another thread, not on this one's event loop, and the file is the one listed.
    expect(rendered).toEqual([{ fileId: run.files[0]?.id, thread: expect.any(Number) }]);
    expect(rendered[0]?.thread).not.toBe(threadId);
    // The bytes that came back from the thread are the whole workbook.
    const download = await api.call('GET', run.files[0]?.url ?? '');
    expect(download.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(download.raw.rawPayload as unknown as ArrayBuffer);
    const first = workbook.worksheets[0];
    expect(first?.getCell('A5001').value).toBe('Item 5000');
  }, 120_000);
});

describe('the thread renderer', () => {
  it('gives the same bytes as rendering on the main thread, and the same error for a spec the library refuses', async () => {
    const renderer = createThreadRenderer({ maxThreads: 1 });
    try {
      const at = new Date('2026-01-02T03:04:05Z');
      const sheet: FileSpec = {
        kind: 'spreadsheet',
        spec: { sheets: [{ name: 'Data', columns: [{ header: 'A' }], rows: [[1], ['two']] }] },
      };
      const threaded = await renderer.render(sheet, at);
      expect(threaded.threadId).not.toBe(threadId);
      expect(threaded.bytes.equals(await renderFile(sheet, at))).toBe(true);
      // A spec past its schema (two sheets of one name) that exceljs refuses: the message is the library's.
      const refused: FileSpec = {
        kind: 'spreadsheet',
        spec: {
          sheets: [
            { name: 'Data', columns: [{ header: 'A' }], rows: [] },
            { name: 'data', columns: [{ header: 'A' }], rows: [] },
          ],
        },
      };
      const onMain = await renderFile(refused, at).then(
        () => 'rendered',
        (error: Error) => error.message,
      );
      expect(onMain).toBe('Worksheet name already exists: data');
      await expect(renderer.render(refused, at)).rejects.toThrow(onMain);
      // The pool survives a refused spec.
      expect((await renderer.render(sheet, at)).bytes.length).toBe(threaded.bytes.length);
    } finally {
      await renderer.close();
    }
  });
});
