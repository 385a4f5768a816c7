import type { VariableDefinition } from '../agents/agent-definition.ts';
import { coerceVariableValue } from '../agents/variable-values.ts';
import { type FieldIssue, ValidationError } from '../platform/errors.ts';

/** A run's variable: its value and whether it came from the agent's default or the run (D3). */
export interface RunVariable {
  name: string;
  value: unknown;
  source: 'default' | 'override';
}

/**
 * Applies `overrides` to the agent's variable definitions (R4). Throws a ValidationError naming
 * each field at fault (`variables.<name>`): unknown names, wrong types, required values missing.
 */
export function resolveVariables(
  definitions: readonly VariableDefinition[],
  overrides: Record<string, unknown> = {},
): RunVariable[] {
  const issues: FieldIssue[] = [];
  const known = new Set(definitions.map((d) => d.name));
  for (const name of Object.keys(overrides)) {
    if (!known.has(name)) {
      const list = [...known].join(', ') || 'none';
      issues.push({ path: `variables.${name}`, message: `unknown variable; this agent has: ${list}` });
    }
  }
  const resolved: RunVariable[] = [];
  for (const definition of definitions) {
    const path = `variables.${definition.name}`;
    const given = overrides[definition.name];
    if (given !== undefined && given !== null) {
      const coerced = coerceVariableValue(definition.type, given);
      if (!coerced.ok) issues.push({ path, message: coerced.message });
      else if (definition.required && isBlank(coerced.value))
        issues.push({ path, message: 'is required and must not be empty' });
      else resolved.push({ name: definition.name, value: coerced.value, source: 'override' });
      continue;
    }
    if (definition.required && isBlank(definition.default)) {
      issues.push({ path, message: `is required (${definition.type})` });
      continue;
    }
    resolved.push({ name: definition.name, value: definition.default ?? null, source: 'default' });
  }
  if (issues.length > 0) {
    const [first] = issues;
    throw new ValidationError(`${first?.path}: ${first?.message}`, issues);
  }
  return resolved;
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

export function variablesRecord(variables: readonly RunVariable[]): Record<string, unknown> {
  return Object.fromEntries(variables.map((v) => [v.name, v.value]));
}
