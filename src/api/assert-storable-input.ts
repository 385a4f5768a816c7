import { ValidationError } from '../platform/errors.ts';
import { formatPath } from '../platform/zod-issues.ts';

/**
 * Deeper than any body of ours needs (an agent is five levels, a JSON variable a few more), and far
 * below what blows the stack of the recursive code a value meets later (JSON.stringify, zod,
 * Liquid): a 100,000-deep array fits in a 1 MB body.
 */
export const MAX_INPUT_DEPTH = 64;

/**
 * Refuses, with the field named, what the stores cannot keep or later code cannot walk: text with a
 * NUL character (PostgreSQL's `text` rejects U+0000, so it became a 500 there and a truncation risk
 * elsewhere) and values nested deeper than `MAX_INPUT_DEPTH`. Walks without recursion, so the check
 * itself cannot overflow.
 */
export function assertStorableInputOrThrow(value: unknown, where: 'body' | 'query' | 'params'): void {
  const stack: Array<{ value: unknown; path: PropertyKey[] }> = [{ value, path: [] }];
  while (stack.length > 0) {
    const item = stack.pop();
    if (!item) break;
    // Fields are named as the parsers name them (`variables.customer`, `q`); the whole value by `where`.
    const name = () => (item.path.length === 0 ? where : formatPath(item.path));
    if (typeof item.value === 'string') {
      if (item.value.includes('\u0000'))
        throw ValidationError.field(name(), 'must not contain the NUL character (\\u0000)');
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.path.length >= MAX_INPUT_DEPTH)
      throw ValidationError.field(name(), `is nested deeper than ${MAX_INPUT_DEPTH} levels`);
    const entries = Array.isArray(item.value) ? item.value.entries() : Object.entries(item.value);
    for (const [key, child] of entries) {
      if (typeof key === 'string' && key.includes('\u0000'))
        throw ValidationError.field(name(), 'must not have a key with the NUL character (\\u0000)');
      stack.push({ value: child, path: [...item.path, key] });
    }
  }
}
