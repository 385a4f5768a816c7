import type { Criterion } from '../shell/api-types.ts';

export const criterionTypes = [
  'contains',
  'icontains',
  'not-contains',
  'regex',
  'equals',
  'is-json',
  'json-schema',
  'json-range',
  'length',
  'llm-judge',
  'similarity',
  'credits',
  'duration',
] as const;
export type CriterionType = (typeof criterionTypes)[number];

/** The add-criterion form's fields; which of them a type reads is in `fieldsOf`. */
export interface CriterionDraft {
  type: CriterionType;
  text: string;
  min: string;
  max: string;
  weight: string;
  threshold: string;
}

export const emptyDraft: CriterionDraft = {
  type: 'contains',
  text: '',
  min: '',
  max: '',
  weight: '1',
  threshold: '',
};

/** What the form asks for, per type: the label of the text field (if any) and whether min/max show. */
export function fieldsOf(type: CriterionType): { text?: string; min?: string; max?: string } {
  switch (type) {
    case 'contains':
    case 'icontains':
    case 'not-contains':
      return { text: 'Text' };
    case 'regex':
      return { text: 'Pattern' };
    case 'equals':
      return { text: 'Expected (empty: the reference case)' };
    case 'is-json':
      return {};
    case 'json-schema':
      return { text: 'JSON Schema' };
    case 'json-range':
      return { text: 'JSON Pointer (e.g. /total)', min: 'Min', max: 'Max' };
    case 'length':
      return { text: 'Unit (characters or words)', min: 'Min', max: 'Max' };
    case 'llm-judge':
      return { text: 'Rubric' };
    case 'similarity':
      return { text: 'Reference (empty: the reference case)' };
    case 'credits':
      return { max: 'At most (credits)' };
    case 'duration':
      return { max: 'At most (ms)' };
    default: {
      const unreachable: never = type;
      return unreachable;
    }
  }
}

const num = (s: string) => (s.trim() === '' ? undefined : Number(s));

/**
 * The criterion as the API takes it. Values are passed through as typed, so the server's rules
 * (and their field names) are the ones the user sees; only a JSON Schema that is not JSON stops here.
 */
export function criterionFromDraft(d: CriterionDraft): Record<string, unknown> {
  const common: Record<string, unknown> = { type: d.type, weight: num(d.weight) ?? 1 };
  const threshold = num(d.threshold);
  if (threshold !== undefined) common.threshold = threshold;
  const text = d.text;
  switch (d.type) {
    case 'contains':
    case 'icontains':
    case 'not-contains':
      return { ...common, value: text };
    case 'regex':
      return { ...common, pattern: text };
    case 'equals':
      return text === '' ? common : { ...common, value: text };
    case 'is-json':
      return common;
    case 'json-schema': {
      let schema: unknown;
      try {
        schema = JSON.parse(text || '{}');
      } catch {
        throw new Error('The JSON Schema is not valid JSON.');
      }
      return { ...common, schema };
    }
    case 'json-range':
      return { ...common, path: text, min: num(d.min), max: num(d.max) };
    case 'length':
      return { ...common, unit: text.trim() || 'characters', min: num(d.min), max: num(d.max) };
    case 'llm-judge':
      return { ...common, rubric: text };
    case 'similarity':
      return text === '' ? common : { ...common, reference: text };
    case 'credits':
      return { ...common, max: num(d.max) };
    case 'duration':
      return { ...common, maxMs: num(d.max) };
    default: {
      const unreachable: never = d.type;
      return unreachable;
    }
  }
}

/** A stored criterion back as what the API takes (ids kept, so dashboards keep their series). */
export function criterionInput(c: Criterion): Record<string, unknown> {
  return { ...c };
}
