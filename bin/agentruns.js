#!/usr/bin/env node
// The `agentruns` command. TypeScript sources run through tsx's loader, so there is no build
// step to forget and no stale output to debug.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
