import type { TemplateContext, Templates } from '../agents/templates.ts';
import { type FileGeneratorDeps, fileRequestOrThrow, generateFile } from '../files/generate-file.ts';
import { withMandatoryInstructions } from '../identity/policy-instructions.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import type { ModelStepRunner } from '../models/model-step-runner.ts';
import type { Clock } from '../platform/clock.ts';
import { messageOf } from '../platform/errors.ts';
import type { EveryField } from '../platform/every-field.ts';
import type { AttemptCommit, StepResultRecord } from '../queue/queue-store.ts';
import { variablesRecord } from '../runs/resolve-variables.ts';
import { statusText } from '../runs/status-text.ts';
import { stepSettings } from '../runs/step-settings.ts';
import type { StepSources } from '../sites/step-sources.ts';
import type { StepTools } from '../tools/step-tools.ts';
import type { AgentStepRunner } from '../triggers/agent-step.ts';
import type { AttemptContext } from './attempt-context.ts';
import type { StepCommitter } from './step-committer.ts';

export interface ExecuteResources {
  clock: Clock;
  templates: Templates;
  /** Which models can fill a file step's schema. */
  models: ModelRegistry;
  /** The model call of a prompt step: provider, retries, timeout, streaming, pricing. */
  modelSteps: ModelStepRunner;
  committer: StepCommitter;
  /** Renders and stores the files of `file` steps. */
  files: FileGeneratorDeps;
  /** Sites: fills `{{ sources }}` per step and records the chunks used (absent: no source context). */
  sources?: StepSources;
  /** Runs steps of kind `agent` (issue 05); without it such a step fails. */
  agentSteps?: AgentStepRunner;
  /** The tools of steps that list some (issue 07); without it such a step fails. */
  tools?: StepTools;
}

/**
 * Runs an attempt's remaining steps in order, committing each result before the next step
 * starts. Steps already committed (reused, or done by a previous holder) are skipped and their
 * outputs fed to later templates. Returns when the attempt ends, or as soon as a commit is
 * refused (the attempt was canceled or another worker took it over) or `signal` aborts.
 */
export async function executeAttempt(
  resources: ExecuteResources,
  context: AttemptContext,
  signal: AbortSignal,
): Promise<void> {
  const { clock, templates, modelSteps, committer } = resources;
  const { attempt, definition } = context;
  const steps = definition.steps;
  const stepCount = steps.length;
  const templateContext: TemplateContext = {
    vars: variablesRecord(context.variables),
    steps: {},
    sources: '',
    run: { id: attempt.runId, name: context.runName },
  };
  const outputs: string[] = [];
  let index = 0;
  for (; index < stepCount && context.done.has(index + 1); index++) {
    const step = steps[index]!;
    const output = context.done.get(index + 1)?.output ?? '';
    templateContext.steps[step.key] = { output, number: index + 1, name: step.name };
    outputs.push(output);
  }

  const base: AttemptRef = {
    attemptId: attempt.id,
    runId: attempt.runId,
    orgId: attempt.orgId,
    leaseGeneration: attempt.leaseGeneration,
  };
  if (index >= stepCount) {
    // Everything was committed but the finish was not (the holder died in between): finish now.
    await finish(committer, base, clock.now(), stepCount, outputs, context.runName, undefined);
    return;
  }
  let queuedAt = attempt.createdAt;
  let at = clock.now();
  const first = steps[index]!;
  const startCommit = commitOf(base, {
    at,
    started: { attempt: attempt.number },
    next: { number: index + 1, name: first.name },
    statusText: statusText('running', stepCount, { number: index + 1, name: first.name }),
  });
  if (!(await committer.commit(startCommit))) return;

  for (; index < stepCount; index++) {
    const step = steps[index]!;
    const number = index + 1;
    const settings = stepSettings(context.modelSettings, context.stepOverrides, number);
    const startedAt = at;
    const result: StepResultRecord = {
      number,
      key: step.key,
      name: step.name,
      status: 'completed',
      output: null,
      error: null,
      model: settings.model,
      reasoningEffort: settings.reasoningEffort ?? null,
      queuedAt,
      startedAt,
      finishedAt: startedAt,
      usage: { inputTokens: 0, outputTokens: 0 },
      credits: 0,
    };
    try {
      if (step.kind === 'agent') {
        if (!resources.agentSteps) throw new Error('this worker cannot run agent steps');
        const child = await resources.agentSteps.run({ attempt, step, number, stepCount, templateContext });
        // Waiting: the attempt gave its lease back and is re-enqueued when the child ends.
        if (child.kind !== 'completed') return;
        result.output = child.output;
      } else {
        if (resources.sources)
          templateContext.sources = await resources.sources.forStep({
            attempt,
            step,
            number,
            context: templateContext,
          });
        const prompt = templates.render(step.prompt, templateContext);
        const system = withMandatoryInstructions(
          context.instructions,
          step.system === undefined ? undefined : templates.render(step.system, templateContext),
        );
        const format = step.output?.format ?? 'text';
        const file = step.output?.format === 'file' ? step.output : undefined;
        // Only a step that lists tools pays for them: the plain path checks one field.
        const tools =
          step.tools === undefined ? undefined : await toolsForStep(resources, context, step, number);
        const answer = await modelSteps.run({
          orgId: attempt.orgId,
          runId: attempt.runId,
          stepNumber: number,
          settings,
          system,
          prompt,
          outputFormat: format === 'text' ? 'text' : 'json',
          ...(file ? fileRequestOrThrow(file.kind, settings.model, resources.models) : {}),
          signal,
          creditRate: context.creditRate,
          tools,
        });
        if (format === 'json') assertJson(answer.text);
        if (file) {
          const { kind, fileName } = file;
          result.files = [
            await generateFile(resources.files, {
              ...base,
              stepNumber: number,
              stepKey: step.key,
              kind,
              fileName,
              answer: answer.text,
              signal,
            }),
          ];
        }
        result.output = answer.text;
        result.usage = answer.usage;
        result.credits = answer.credits;
      }
    } catch (error) {
      // Canceled or taken over: whoever did that records the outcome; this worker just stops.
      if (signal.aborted) return;
      result.status = 'failed';
      result.error = messageOf(error);
    }
    at = clock.now();
    result.finishedAt = at;
    queuedAt = at;
    if (result.status === 'failed') {
      await committer.commit(
        commitOf(base, {
          at,
          result,
          statusText: statusText('failed', stepCount, { number, name: step.name }),
          finish: {
            status: 'failed',
            output: null,
            searchText: searchText(context.runName, outputs),
            error: `step ${number} (${step.name}): ${result.error}`,
          },
        }),
      );
      return;
    }
    const output = result.output ?? '';
    outputs.push(output);
    templateContext.steps[step.key] = { output, number, name: step.name };
    const next = steps[index + 1];
    if (!next) {
      await finish(committer, base, at, stepCount, outputs, context.runName, result);
      return;
    }
    const written = await committer.commit(
      commitOf(base, {
        at,
        result,
        next: { number: number + 1, name: next.name },
        statusText: statusText('running', stepCount, { number: number + 1, name: next.name }),
      }),
    );
    if (!written) return;
  }
}

function toolsForStep(
  resources: ExecuteResources,
  context: AttemptContext,
  step: AttemptContext['definition']['steps'][number],
  number: number,
): ReturnType<StepTools['forStep']> {
  if (!resources.tools) throw new Error('this worker cannot run steps with tools');
  return resources.tools.forStep({
    attempt: context.attempt,
    step,
    number,
    settings: context.definition.toolSettings,
  });
}

function finish(
  committer: StepCommitter,
  base: AttemptRef,
  at: number,
  stepCount: number,
  outputs: string[],
  runName: string,
  result: StepResultRecord | undefined,
): Promise<boolean> {
  return committer.commit(
    commitOf(base, {
      at,
      result,
      statusText: statusText('completed', stepCount),
      finish: {
        status: 'completed',
        output: outputs.at(-1) ?? null,
        searchText: searchText(runName, outputs),
        error: null,
      },
    }),
  );
}

type AttemptRef = Pick<AttemptCommit, 'attemptId' | 'runId' | 'orgId' | 'leaseGeneration'>;

/** A commit of the attempt `ref` names, written out field by field (`EveryField`), not spread. */
function commitOf(ref: AttemptRef, fields: Omit<AttemptCommit, keyof AttemptRef>): AttemptCommit {
  const commit: EveryField<AttemptCommit> = {
    attemptId: ref.attemptId,
    runId: ref.runId,
    orgId: ref.orgId,
    leaseGeneration: ref.leaseGeneration,
    at: fields.at,
    statusText: fields.statusText,
    started: fields.started,
    result: fields.result,
    next: fields.next,
    finish: fields.finish,
  };
  return commit;
}

/** What the run list searches: the name on the first line, then every step's output. */
export function searchText(name: string, outputs: readonly string[]): string {
  return [name, ...outputs].join('\n');
}

function assertJson(text: string): void {
  try {
    JSON.parse(text);
  } catch (error) {
    throw new Error(`the model's answer is not valid JSON: ${messageOf(error)}`);
  }
}
