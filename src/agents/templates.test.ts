import fc from 'fast-check';
import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { createTemplates, type TemplateContext } from './templates.ts';

/** Liquid itself, configured as the product's: the oracle for the direct path of plain templates. */
const liquid = new Liquid({ strictFilters: true, ownPropertyOnly: true });
const byLiquid = (source: string, context: TemplateContext) =>
  liquid.parseAndRenderSync(source, context) as string;

const context: TemplateContext = {
  vars: { customer: 'Ada', count: 3, empty: '', list: ['a', 'b'], 'dash-name': 'dashed', nothing: null },
  steps: {
    gather: { output: 'facts {{ not a tag }} here', number: 1, name: 'Gather' },
    'my-step': { output: 'x', number: 2, name: 'My step' },
  },
  sources: 'source text',
  run: { id: 'run_1', name: 'A run' },
};

const path = fc.constantFrom(
  'vars.customer',
  'vars.count',
  'vars.empty',
  'vars.list',
  'vars.list.size',
  'vars.list.first',
  'vars.dash-name',
  'vars.nothing',
  'vars.missing',
  'vars.customer.size',
  'steps.gather.output',
  'steps.gather.name',
  'steps.gather.number',
  'steps.my-step.output',
  'steps.later.output',
  'sources',
  'run.id',
  'run.name',
  'run',
  'vars.toString',
  'vars.constructor.name',
  'unknown.thing',
  'size',
  'first',
  'vars.size',
  'vars.last',
  'steps.size',
  'steps.later.size',
  'steps.first.output',
  'vars.nothing.size',
  'vars.nothing.output',
  'vars.missing.first',
);
const part = fc.oneof(
  fc.string({ maxLength: 8 }).filter((s) => !s.includes('{') && !s.includes('}')),
  fc.constantFrom(' ', '\n', 'Summarize: ', '}', '{', '{ {'),
  fc
    .tuple(fc.constantFrom('', ' ', '  ', '\n'), path, fc.constantFrom('', ' ', '\n'))
    .map(([before, p, after]) => `{{${before}${p}${after}}}`),
  fc.constantFrom('{{- vars.customer -}}', '{{ vars.customer | upcase }}', '{% if true %}yes{% endif %}'),
);

describe('templates', () => {
  it('renders every template as Liquid does, plain ones directly', () => {
    const templates = createTemplates();
    fc.assert(
      fc.property(fc.array(part, { maxLength: 8 }), (parts) => {
        const source = parts.join('');
        let expected: string | Error;
        try {
          expected = byLiquid(source, context);
        } catch (error) {
          expected = error as Error;
        }
        if (expected instanceof Error) expect(() => templates.render(source, context)).toThrow();
        else expect(templates.render(source, context)).toBe(expected);
      }),
      { numRuns: 3_000 },
    );
  });

  it('reads a prompt with an earlier step’s output and a variable', () => {
    const templates = createTemplates();
    const source = '{{ run.id }} Write the report from {{ steps.gather.output }} for {{vars.customer}}.';
    expect(templates.render(source, context)).toBe(
      'run_1 Write the report from facts {{ not a tag }} here for Ada.',
    );
  });
});
