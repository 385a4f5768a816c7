import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

/** A profile being recorded in this thread; `stopTo` writes it (Chrome DevTools opens both kinds). */
export interface Recording {
  stopTo(file: string): Promise<void>;
}

/** V8's CPU profiler (`.cpuprofile`). */
export async function startCpuProfile(): Promise<Recording> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return recording(session, async () => (await session.post('Profiler.stop')).profile);
}

/** V8's sampling heap profiler (`.heapprofile`), counting objects collected since: garbage included. */
export async function startAllocationProfile(): Promise<Recording> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 16 * 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return recording(session, async () => (await session.post('HeapProfiler.stopSampling')).profile);
}

function recording(session: Session, stop: () => Promise<unknown>): Recording {
  return {
    async stopTo(file) {
      const profile = await stop();
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}
