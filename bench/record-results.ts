import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));

/**
 * Writes a suite's result to `bench/results/<name>.json` and its table into bench/README.md between
 * `<!-- <marker>:start -->` and `<!-- <marker>:end -->`.
 */
export function recordResults(name: string, result: unknown, marker: string, table: string): void {
  const resultsFile = path.join(benchDir, 'results', `${name}.json`);
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
  fs.writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  const readme = path.join(benchDir, 'README.md');
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const text = fs.readFileSync(readme, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from >= 0 && to > from)
    fs.writeFileSync(readme, `${text.slice(0, from + start.length)}\n${table}\n${text.slice(to)}`);
  console.log(`wrote ${path.relative(process.cwd(), resultsFile)} and the table in bench/README.md`);
}
