import type { z } from 'zod';
import { type FieldIssue, ValidationError } from './errors.ts';

/** `['steps', 1, 'prompt']` → `steps[1].prompt`. */
export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

export function issuesOf(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path, prefix), message: issue.message }));
}

/** Parses `value` with `schema` or throws a ValidationError naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = issuesOf(result.error, prefix);
  const first = details[0];
  const message = first ? `${first.path}: ${first.message}` : 'invalid input';
  throw new ValidationError(
    details.length > 1 ? `${message} (and ${details.length - 1} more)` : message,
    details,
  );
}
