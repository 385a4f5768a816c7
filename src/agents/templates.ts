import { Liquid, type Template } from 'liquidjs';
import type { FieldIssue } from '../platform/errors.ts';

/**
 * Prompt templates are Liquid: safe (no code runs), `{{ vars.customer }}`,
 * `{{ steps.gather.output }}`, `{{ sources }}`, `{{ run.name }}`.
 */
export interface TemplateContext {
  vars: Record<string, unknown>;
  steps: Record<string, { output: string; number: number; name: string }>;
  sources: string;
  run: { id: string; name: string };
}

export interface TemplateScope {
  variables: ReadonlySet<string>;
  /** Keys of the steps before the one being checked. */
  earlierSteps: ReadonlySet<string>;
  /** Keys of the steps at or after it: named in the error, since referring to them is a common slip. */
  laterSteps: ReadonlySet<string>;
}

const roots = new Set(['vars', 'steps', 'sources', 'run']);

export interface Templates {
  /** Parses and checks `source`; returns the problems found, each naming `path` and a position. */
  check(path: string, source: string, scope: TemplateScope): FieldIssue[];
  render(source: string, context: TemplateContext): string;
}

/** Parsed templates are cached by source text: an agent version's prompts parse once per process. */
export function createTemplates(cacheSize = 2000): Templates {
  const liquid = new Liquid({ strictFilters: true, ownPropertyOnly: true });
  const cache = new Map<string, { parsed: Template[]; plain: PlainTemplate | undefined }>();

  const entry = (source: string) => {
    let cached = cache.get(source);
    if (!cached) {
      cached = { parsed: liquid.parse(source), plain: plainTemplate(source) };
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
      cache.set(source, cached);
    }
    return cached;
  };
  const parse = (source: string): Template[] => entry(source).parsed;

  return {
    check(path, source, scope) {
      let parsed: Template[];
      try {
        parsed = parse(source);
      } catch (error) {
        const e = error as { message?: string; token?: { getPosition?: () => [number, number] } };
        const [line, col] = e.token?.getPosition?.() ?? [1, 1];
        const reason = (e.message ?? String(error)).replace(/, line:\d+, col:\d+$/, '');
        return [{ path, message: `template syntax error at line ${line}, column ${col}: ${reason}` }];
      }
      const issues: FieldIssue[] = [];
      const { globals } = liquid.analyzeSync(parsed);
      for (const [root, uses] of Object.entries(globals)) {
        for (const use of uses) {
          const at = `at line ${use.location.row}, column ${use.location.col}`;
          const [, second] = use.segments;
          if (!roots.has(root)) {
            issues.push({
              path,
              message: `unknown name "${root}" ${at}: use vars.<name>, steps.<key>.output, sources or run`,
            });
          } else if (root === 'vars' && typeof second === 'string' && !scope.variables.has(second)) {
            issues.push({ path, message: `unknown variable "${second}" ${at}` });
          } else if (root === 'steps' && typeof second === 'string' && !scope.earlierSteps.has(second)) {
            const why = scope.laterSteps.has(second)
              ? 'it runs at or after this step'
              : 'no step has that key';
            issues.push({ path, message: `step "${second}" cannot be used ${at}: ${why}` });
          }
        }
      }
      return issues;
    },
    render(source, context) {
      const { parsed, plain } = entry(source);
      return (plain && renderPlain(plain, context)) ?? (liquid.renderSync(parsed, context) as string);
    },
  };
}

/**
 * A template that is text and `{{ a.b.c }}` outputs only: most prompts. Liquid renders those through
 * generators and scopes (a tenth of the engine's allocation per step); `renderPlain` looks the paths
 * up directly (engine benchmark, SQLite: CPU per step 8–10 % lower in two alternating pairs).
 * Anything else (tags, filters, whitespace control) is left to Liquid.
 */
type PlainTemplate = Array<string | string[]>;

const plainOutput = /\{\{\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\s*\}\}/g;

function plainTemplate(source: string): PlainTemplate | undefined {
  const parts: PlainTemplate = [];
  let at = 0;
  for (const match of source.matchAll(plainOutput)) {
    parts.push(source.slice(at, match.index), (match[1] as string).split('.'));
    at = match.index + match[0].length;
  }
  parts.push(source.slice(at));
  // Whatever is left that Liquid would read as markup: not plain.
  return parts.some((p) => typeof p === 'string' && (p.includes('{{') || p.includes('{%')))
    ? undefined
    : parts;
}

/** Keys Liquid answers for any value, own property or not: an object's key count, an array's ends. */
const liquidKeys = new Set(['size', 'first', 'last']);

/**
 * The plain template rendered, or undefined when Liquid must render it. A path leads, own property
 * by own property, to a string (written as it is) or to nothing (written as nothing: a missing
 * variable, a step not run yet, as in a run's estimate); anything else (numbers, arrays, `size`,
 * `first` and `last`, a property of a string) is Liquid's.
 */
function renderPlain(template: PlainTemplate, context: TemplateContext): string | undefined {
  let out = '';
  for (const part of template) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    let value: unknown = context;
    for (const key of part) {
      if (value === undefined || value === null) break;
      if (typeof value !== 'object' || Array.isArray(value)) return undefined;
      if (Object.hasOwn(value, key)) value = (value as Record<string, unknown>)[key];
      else if (liquidKeys.has(key)) return undefined;
      else value = undefined;
    }
    if (typeof value === 'string') out += value;
    else if (value !== undefined && value !== null) return undefined;
  }
  return out;
}
