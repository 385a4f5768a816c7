import { Cron } from 'croner';

/**
 * The next fire times of a cron expression in a time zone, computed in the browser with croner,
 * the library the server's scheduler uses, so the preview matches what will fire. The server's own
 * `nextFireTimes` are shown once the schedule is saved.
 */
export function cronPreview(
  expression: string,
  timezone: string,
  count = 5,
): { ok: true; times: Date[] } | { ok: false; message: string } {
  if (!expression.trim()) return { ok: false, message: 'Enter a cron expression, e.g. 0 9 * * 1-5' };
  try {
    const job = new Cron(expression.trim(), { timezone: timezone || 'UTC', paused: true });
    const times = job.nextRuns(count);
    job.stop();
    return { ok: true, times };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}
