import type { VariableType } from './agent-definition.ts';

export type Coerced = { ok: true; value: unknown } | { ok: false; message: string };

const isoDate = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Checks a value against a variable type. Strings are accepted for number, boolean and json
 * because the CLI (`--var n=3`) and webhooks deliver text; anything else of the wrong type is refused.
 */
export function coerceVariableValue(type: VariableType, value: unknown): Coerced {
  switch (type) {
    case 'string':
    case 'text':
    case 'file':
      return typeof value === 'string'
        ? { ok: true, value }
        : { ok: false, message: `must be a ${type} (text)` };
    case 'number': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      return typeof n === 'number' && Number.isFinite(n)
        ? { ok: true, value: n }
        : { ok: false, message: 'must be a finite number' };
    }
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 'true' || value === 'false') return { ok: true, value: value === 'true' };
      return { ok: false, message: 'must be true or false' };
    case 'date':
      return typeof value === 'string' && isoDate.test(value) && !Number.isNaN(Date.parse(value))
        ? { ok: true, value }
        : { ok: false, message: 'must be an ISO 8601 date such as 2026-11-25' };
    case 'json':
      if (typeof value !== 'string') return { ok: true, value };
      try {
        return { ok: true, value: JSON.parse(value) };
      } catch {
        return { ok: false, message: 'must be JSON' };
      }
    default: {
      const unreachable: never = type;
      return { ok: false, message: `unknown type ${String(unreachable)}` };
    }
  }
}
