import type { RetrievalBenchResult } from './retrieval-bench.ts';

const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
const ratio = (n: number) => (n >= 10 ? n.toFixed(0) : n.toPrecision(2));

/** The Markdown table of bench/README.md, with the ratios to the peers measured in the same run. */
export function retrievalTable(result: RetrievalBenchResult): string {
  const rows = result.results.map(
    (r) =>
      `| ${r.system} | ${r.store} | ${r.queries} | ${ms(r.p50Ms)} | ${ms(r.p95Ms)} | ${ms(r.meanMs)} | ${r.meanHits.toFixed(1)} |`,
  );
  const ratios: string[] = [];
  const memory = result.results.find((r) => r.store === 'memory');
  for (const store of ['sqlite', 'postgres'] as const) {
    const ours = result.results.find((r) => r.store === store && r.system.startsWith('Agent Runs'));
    const like = result.results.find((r) => r.store === store && r.system.startsWith('LIKE'));
    if (!ours) continue;
    const parts = [];
    if (like)
      parts.push(
        `ours ÷ LIKE scan at p50: **${ratio(ours.p50Ms / like.p50Ms)}×** (at p95: ${ratio(ours.p95Ms / like.p95Ms)}×; LIKE does not rank)`,
      );
    if (memory) parts.push(`in-memory brute force ÷ ours at p50: **${ratio(memory.p50Ms / ours.p50Ms)}×**`);
    ratios.push(`- ${store}: ${parts.join(', ')}`);
  }
  return [
    '| System | Store | Queries | p50 (ms) | p95 (ms) | mean (ms) | hits/query |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    ...ratios,
    '',
    `${result.chunks.toLocaleString('en-US')} chunks of ${result.wordsPerChunk} words in ${result.documents.toLocaleString('en-US')} documents, top ${result.limit}; ${result.date.slice(0, 10)}, Node ${result.node}, ${result.cpus} × ${result.cpuModel}.`,
  ].join('\n');
}
