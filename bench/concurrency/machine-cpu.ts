import fs from 'node:fs';

/** Busy and total CPU time of the whole machine, in clock ticks (Linux `/proc/stat`); undefined elsewhere. */
export interface MachineCpu {
  busy: number;
  total: number;
}

export function readMachineCpu(): MachineCpu | undefined {
  let line: string | undefined;
  try {
    line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  } catch {
    return undefined;
  }
  if (!line?.startsWith('cpu ')) return undefined;
  // user nice system idle iowait irq softirq steal …: idle and iowait are the machine waiting.
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((sum, t) => sum + t, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: total - idle, total };
}

/** Microseconds of the machine's CPU (every core, every process) between two readings. */
export function machineCpuMicros(
  before: MachineCpu | undefined,
  after: MachineCpu | undefined,
): number | undefined {
  if (!before || !after) return undefined;
  // /proc/stat counts USER_HZ ticks, 100 per second on every Linux Node.js runs on.
  return ((after.busy - before.busy) * 1e6) / 100;
}
