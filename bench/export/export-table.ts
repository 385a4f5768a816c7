import type { ExportBenchResult } from './export-bench.ts';

const MB_PER_MIB = 1.048576;
const met = (ok: boolean) => (ok ? 'met' : 'missed');

/** The Markdown table of bench/README.md: one row per size, ratios to the peers of the same run. */
export function exportTable(result: ExportBenchResult): string {
  const rows = result.sizes.map((s) => {
    const a = s.agentRuns;
    return [
      `${s.inputMiB} MiB`,
      `${a.mbPerSecond} (${a.mbPerSecondRange.join('–')})`,
      `${s.zipR.mbPerSecond}`,
      `**${s.speedupOverZipR}×** (${s.speedupOverZipRRange.join('–')})`,
      `${s.storeMode.agentRunsMbPerSecond}`,
      `${s.storeMode.zip0MbPerSecond}`,
      `**${s.storeMode.ratioToZip0}×** (${s.storeMode.ratioToZip0Range.join('–')})`,
      `**${s.peakRssMiB}**`,
      `${s.sha256sum.mbPerSecond}`,
      `${s.loadAverageDuring.join('–')}`,
    ];
  });
  const worst = {
    speedup: Math.min(...result.sizes.map((s) => s.speedupOverZipR)),
    store: Math.min(...result.sizes.map((s) => s.storeMode.ratioToZip0)),
    peakMB: Math.max(...result.sizes.map((s) => s.peakRssMiB)) * MB_PER_MIB,
  };
  const t = result.targets;
  const flat =
    result.rssGrowthMiB === null
      ? ''
      : ` Peak RSS from ${result.sizes[0]?.inputMiB} to ${result.sizes.at(-1)?.inputMiB} MiB grew ${result.rssGrowthMiB} MiB.`;
  return [
    '| Input | Agent Runs MB/s | `zip -r -6` MB/s | ÷ `zip -r` | store MB/s | `zip -0` MB/s | ÷ `zip -0` | peak RSS of the export’s process (MiB) | `sha256sum` MB/s | load |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    `Targets: ≥ ${t.speedupOverZipR}× \`zip -r\` (${met(worst.speedup >= t.speedupOverZipR)}), store mode ≥ ${t.storeModeRatioToZip0}× \`zip -0\` (${met(worst.store >= t.storeModeRatioToZip0)}), peak RSS ≤ ${t.peakRssMB} MB (${met(worst.peakMB <= t.peakRssMB)}: ${Math.round(worst.peakMB)} MB).${flat}`,
    '',
    `Medians (ranges) of ${result.sizes[0]?.rounds} rounds, A B A B; ${result.sizes[0]?.files} files per ${result.sizes[0]?.inputMiB} MiB, ${result.mix}; ${result.date.slice(0, 10)}, Node ${result.node}, ${result.cpus} × ${result.cpuModel}.`,
  ].join('\n');
}
