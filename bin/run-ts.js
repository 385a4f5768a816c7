#!/usr/bin/env node
// Runs a TypeScript file (a benchmark, a script, a test's server): `node bin/run-ts.js FILE ARGS…`,
// as one bundle of it and the sources it imports (src/platform/bundle-sources.js).
import path from 'node:path';
import { importBundled } from '../src/platform/bundle-sources.js';

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bin/run-ts.js FILE [ARGS…]');
  process.exit(2);
}
process.argv = [process.argv[0], file, ...rest];
await importBundled(path.resolve(file));
