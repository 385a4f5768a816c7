import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bundleModule } from './bundle-module.ts';

export interface ForkModuleOptions {
  /** Where bundles are written; must sit under the project, so their package imports resolve. */
  cacheDir?: string;
  /** Node flags for the child (heap sizes, say). */
  execArgv?: string[];
}

/**
 * Starts a TypeScript module (`src/…`) in its own Node process with an IPC channel, as plain
 * JavaScript (`bundle-module.ts`): tsx's loader would cost ~50 MiB of RSS, most of the 150 MB an
 * evidence export may use (issue 09). When the bundle cannot be built or written (a read-only
 * install), the module runs through tsx as everything else does.
 */
export async function forkModule(moduleUrl: URL, options: ForkModuleOptions = {}): Promise<ChildProcess> {
  const bundle = await bundleModule(moduleUrl, options.cacheDir);
  const execArgv = options.execArgv ?? [];
  return bundle
    ? fork(bundle, [], { execArgv, serialization: 'advanced' })
    : fork(fileURLToPath(moduleUrl), [], {
        execArgv: [...execArgv, '--import', 'tsx'],
        serialization: 'advanced',
      });
}
