import { fileOutputIssues } from '../files/file-output-issues.ts';
import { type FieldIssue, ValidationError } from '../platform/errors.ts';
import { parseOrThrow } from '../platform/zod-issues.ts';
import { type AgentDefinition, agentInputSchema, type StepDefinition, slugify } from './agent-definition.ts';
import type { Templates } from './templates.ts';
import { coerceVariableValue } from './variable-values.ts';

/**
 * Turns what a user sent into a stored definition, or throws a ValidationError naming every
 * field at fault: shape (zod), duplicate names and keys, defaults of the wrong type, and prompt
 * templates with a syntax error or a reference to an unknown variable or step.
 * `knownProviders` limits model ids to providers this server can call.
 */
export function validateAgentDefinition(
  input: unknown,
  templates: Templates,
  knownProviders: ReadonlySet<string>,
): AgentDefinition {
  const parsed = parseOrThrow(agentInputSchema, input);
  const issues: FieldIssue[] = [];

  const variableNames = new Set<string>();
  parsed.variables.forEach((variable, i) => {
    if (variableNames.has(variable.name)) {
      issues.push({ path: `variables[${i}].name`, message: `duplicate variable "${variable.name}"` });
    }
    variableNames.add(variable.name);
    if (variable.default !== undefined) {
      const coerced = coerceVariableValue(variable.type, variable.default);
      if (coerced.ok) variable.default = coerced.value;
      else issues.push({ path: `variables[${i}].default`, message: coerced.message });
    }
  });

  const steps: StepDefinition[] = parsed.steps.map((step) => ({
    ...step,
    key: step.key ?? slugify(step.name),
  }));
  const allKeys = new Set<string>();
  steps.forEach((step, i) => {
    if (allKeys.has(step.key)) {
      issues.push({
        path: `steps[${i}].key`,
        message: `duplicate step key "${step.key}"; give one step a key`,
      });
    }
    allKeys.add(step.key);
  });

  checkModel(parsed.modelSettings.model, 'modelSettings.model', knownProviders, issues);
  steps.forEach((step, i) => {
    if (step.modelSettings?.model)
      checkModel(step.modelSettings.model, `steps[${i}].modelSettings.model`, knownProviders, issues);
    const earlierSteps = new Set(steps.slice(0, i).map((s) => s.key));
    const laterSteps = new Set(steps.slice(i).map((s) => s.key));
    const scope = { variables: variableNames, earlierSteps, laterSteps };
    if (step.kind === 'prompt') issues.push(...templates.check(`steps[${i}].prompt`, step.prompt, scope));
    for (const [name, template] of Object.entries(step.variables ?? {}))
      issues.push(...templates.check(`steps[${i}].variables.${name}`, template, scope));
    if (step.system !== undefined) issues.push(...templates.check(`steps[${i}].system`, step.system, scope));
    if (step.sources?.query !== undefined)
      issues.push(...templates.check(`steps[${i}].sources.query`, step.sources.query, scope));
  });
  issues.push(...fileOutputIssues(steps, parsed.modelSettings));
  steps.forEach((step, i) => {
    // A tool that could never be called is a mistake worth saying at once, not at the first run.
    if (step.tools?.includes('http_request') && (parsed.toolSettings?.allowedHosts.length ?? 0) === 0)
      issues.push({ path: `steps[${i}].tools`, message: 'http_request needs toolSettings.allowedHosts' });
    if (step.tools?.includes('invoke_agent') && (parsed.toolSettings?.invokableAgentIds.length ?? 0) === 0)
      issues.push({
        path: `steps[${i}].tools`,
        message: 'invoke_agent needs toolSettings.invokableAgentIds',
      });
  });

  if (issues.length > 0) {
    const [first] = issues;
    throw new ValidationError(`${first?.path}: ${first?.message}`, issues);
  }
  return { ...parsed, steps };
}

function checkModel(
  model: string,
  path: string,
  knownProviders: ReadonlySet<string>,
  issues: FieldIssue[],
): void {
  const provider = model.split('/')[0] ?? '';
  if (!knownProviders.has(provider)) {
    issues.push({
      path,
      message: `unknown provider "${provider}"; known: ${[...knownProviders].join(', ')}`,
    });
  }
}
