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
  const cache = new Map<string, Template[]>();

  const parse = (source: string): Template[] => {
    let parsed = cache.get(source);
    if (!parsed) {
      parsed = liquid.parse(source);
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
      cache.set(source, parsed);
    }
    return parsed;
  };

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
    render: (source, context) => liquid.renderSync(parse(source), context) as string,
  };
}
