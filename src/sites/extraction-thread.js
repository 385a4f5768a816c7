// The entry of an extraction thread (src/sites/text-extractor.ts). Plain JavaScript because a
// worker thread does not inherit the main thread's tsx loader: it registers its own, then loads the
// TypeScript task. Piscina calls the default export once per task.
import { register } from 'tsx/esm/api';

register();
const { extractTextTask } = await import('./extract-text-task.ts');
export default extractTextTask;
