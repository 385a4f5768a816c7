import { randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulidx';

/** Prefixes name what an id points at: `run_01J…` is a run. */
export type IdKind =
  | 'org'
  | 'usr'
  | 'tok'
  | 'ses'
  | 'agt'
  | 'run'
  | 'att'
  | 'evt'
  | 'aud'
  | 'fil'
  | 'mpr'
  | 'sit'
  | 'doc'
  | 'dov'
  | 'sch'
  | 'whk'
  | 'msg'
  | 'ntf'
  | 'grc'
  | 'key'
  | 'exp'
  | 'bmr'
  | 'dsr'
  | 'cas'
  | 'mcp';

export interface Ids {
  /** A new id that sorts after every id made before it (ULID, monotonic within a millisecond). */
  next(kind: IdKind): string;
  /** A secret of `bytes` random bytes, base64url. */
  secret(bytes?: number): string;
}

/** Ids grow with time, so "newest first" is an index walk, never a sort (DESIGN.md). */
export function createIds(now: () => number = Date.now): Ids {
  const ulid = monotonicFactory(pooledRandom());
  return {
    next: (kind) => `${kind}_${ulid(now())}`,
    secret: (bytes = 32) => randomBytes(bytes).toString('base64url'),
  };
}

/**
 * ulidx's own generator asks the OS for one byte per character (16 calls per id, ~7 % of a run's
 * create). This one draws 4 KiB at a time from the same CSPRNG. A byte / 256 picks each of the 32
 * characters with exactly equal odds (ulidx's `byte / 255` made the last one rarer).
 */
function pooledRandom(): () => number {
  let pool = randomBytes(4096);
  let at = 0;
  return () => {
    if (at === pool.length) {
      pool = randomBytes(4096);
      at = 0;
    }
    return (pool[at++] as number) / 256;
  };
}
