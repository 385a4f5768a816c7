const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "3 min ago", "yesterday"; the absolute time goes in a title. */
export function timeAgo(iso: string | null, now = Date.now()): string {
  if (!iso) return '—';
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relative.format(Math.round(seconds / 3600), 'hour');
  if (abs < 30 * 86_400) return relative.format(Math.round(seconds / 86_400), 'day');
  return absolute.format(new Date(iso));
}

export function formatTime(iso: string | null): string {
  return iso ? absolute.format(new Date(iso)) : '—';
}

/** "1.4 s", "2 min 3 s" between two instants. */
export function duration(fromIso: string | null, toIso: string | null): string | undefined {
  if (!fromIso || !toIso) return undefined;
  const ms = new Date(toIso).getTime() - new Date(fromIso).getTime();
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatCredits(credits: number | null | undefined): string {
  if (credits === null || credits === undefined) return '—';
  return credits < 10 ? credits.toFixed(2) : credits.toFixed(1);
}
