import { timingSafeEqual } from 'node:crypto';

/**
 * Whether an `Authorization` header carries the operator's metrics token
 * (`AGENTRUNS_METRICS_TOKEN`), compared in constant time. No token configured: nobody.
 */
export function presentsMetricsToken(
  authorization: string | undefined,
  expected: string | undefined,
): boolean {
  const header = authorization ?? '';
  const presented = header.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : '';
  if (!expected || !presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
