// The entry of a rendering thread (src/files/file-renderer.ts). Plain JavaScript because a worker
// thread does not inherit the main thread's tsx loader: it registers its own, then loads the
// TypeScript task. Piscina calls the default export once per task.
import { register } from 'tsx/esm/api';

register();
const { renderFileTask } = await import('./render-file-task.ts');
export default renderFileTask;
