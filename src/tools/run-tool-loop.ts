import { type GenerateTextResult, generateText, type LanguageModel, stepCountIs, type ToolSet } from 'ai';
import type { StepToolSet } from './step-tool-set.ts';

export interface ToolLoopRequest {
  model: LanguageModel;
  system?: string | undefined;
  prompt: string;
  temperature?: number | undefined;
  maxOutputTokens?: number | undefined;
  providerOptions?: Parameters<typeof generateText>[0]['providerOptions'] | undefined;
  /** Model requests the SDK retries on its own (each round's request, not the tools). */
  maxRetries: number;
  abortSignal: AbortSignal;
}

/**
 * The bounded tool loop of a step (C1, C2): the AI SDK asks the model, runs the tools it calls,
 * feeds their results back, and asks again, for at most `maxRounds` rounds. It stops at once when
 * a tool call must fail the step (a refusal, a broken MCP server) and throws that call's error; a
 * call the SDK refused itself (a tool the step does not list) fails the step too, recorded with
 * the rule. A model that still asks for tools after the last round fails the step: the bound is a
 * limit, not a place to stop quietly with half an answer.
 */
export async function runToolLoop(
  request: ToolLoopRequest,
  toolSet: StepToolSet,
): Promise<GenerateTextResult<ToolSet, never>> {
  let result: GenerateTextResult<ToolSet, never>;
  try {
    const { system, temperature, maxOutputTokens, providerOptions, ...rest } = request;
    result = await generateText({
      ...rest,
      ...(system === undefined ? {} : { system }),
      ...(temperature === undefined ? {} : { temperature }),
      ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
      ...(providerOptions === undefined ? {} : { providerOptions }),
      tools: toolSet.tools,
      stopWhen: [
        stepCountIs(toolSet.maxRounds),
        () => toolSet.failure !== undefined,
        ({ steps }) => (steps.at(-1)?.content ?? []).some((part) => part.type === 'tool-error'),
      ],
    });
  } catch (error) {
    if (toolSet.failure !== undefined && !request.abortSignal.aborted) throw toolSet.failure;
    throw error;
  }
  // A call the cancel aborted ends the loop as a tool error the SDK caught: the step is canceled,
  // and that call is logged once, as canceled (not again as a call with bad arguments).
  if (request.abortSignal.aborted) throw request.abortSignal.reason;
  if (toolSet.failure !== undefined) throw toolSet.failure;
  for (const step of result.steps)
    for (const part of step.content)
      if (part.type === 'tool-error')
        throw await toolSet.refuseInvalid(part.toolName, part.input, String(part.error));
  if (result.finishReason === 'tool-calls')
    throw new Error(
      `the model still asked for tools after ${toolSet.maxRounds} rounds, the step's bound (maxToolRounds)`,
    );
  return result;
}
