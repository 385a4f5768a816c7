// A worker thread's entry when its module has no bundle (src/platform/module-thread.ts): plain
// JavaScript that registers tsx's loader in this thread, then loads the TypeScript module named by
// the last argument.
import { register } from 'tsx/esm/api';

register();
await import(process.argv[process.argv.length - 1]);
