#!/usr/bin/env node
// The `agentruns` command: src/cli/main.ts as one bundle of our sources, remade when a source
// changes, so there is no build step to forget and no stale output (src/platform/bundle-sources.js).
import { fileURLToPath } from 'node:url';
import { importBundled } from '../src/platform/bundle-sources.js';

await importBundled(fileURLToPath(new URL('../src/cli/main.ts', import.meta.url)));
