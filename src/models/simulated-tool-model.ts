import type { LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3Content } from '@ai-sdk/provider';
import { approximateTokens } from './simulated-provider.ts';

/**
 * The simulated model's side of a tool step: an AI SDK language model (so the real tool loop
 * runs, offline) that does what its conversation tells it, the way a gullible model would.
 *
 * Scripting: every `[[call <tool> {json arguments}]]` in the conversation (system, prompt, and
 * the results of tools it already called, in that order) is one tool call; round n makes the
 * n-th such call. A `[[call-repeat <tool> {json}]]` is called again every round once the others
 * are done (to reach the loop's bound). With nothing left to call, it answers in text, quoting the
 * last tool result, so tests can see what came back. A directive planted in a document that
 * `search_sites` returns is obeyed too: that is the prompt injection the policy must stop.
 */
const directive = /\[\[(call|call-repeat) ([A-Za-z0-9_-]{1,64}) (\{.*?\})\]\]/gs;

export function createSimulatedToolModel(modelId: string): LanguageModelV3 {
  return {
    specificationVersion: 'v3',
    provider: 'simulated',
    modelId,
    supportedUrls: {},
    async doGenerate(options: LanguageModelV3CallOptions) {
      const texts: string[] = [];
      let callsMade = 0;
      let lastResult = '';
      for (const message of options.prompt) {
        if (message.role === 'system') texts.push(message.content);
        else
          for (const part of message.content) {
            if (part.type === 'text') texts.push(part.text);
            else if (part.type === 'tool-call') callsMade++;
            else if (part.type === 'tool-result') {
              const output = part.output;
              const isJson = output.type === 'json' || output.type === 'error-json';
              lastResult =
                output.type === 'text' || output.type === 'error-text'
                  ? output.value
                  : isJson
                    ? JSON.stringify(output.value)
                    : output.type;
              // The model reads a JSON result's strings as text, as a real one would read them.
              texts.push(isJson ? stringsOf(output.value).join('\n') : lastResult);
            }
          }
      }
      const all = texts.join('\n');
      const once: Array<{ tool: string; input: string }> = [];
      let repeat: { tool: string; input: string } | undefined;
      for (const match of all.matchAll(directive)) {
        const call = { tool: match[2] ?? '', input: match[3] ?? '{}' };
        if (match[1] === 'call-repeat') repeat ??= call;
        else once.push(call);
      }
      const next = once[callsMade] ?? (callsMade >= once.length ? repeat : undefined);
      const usage = {
        inputTokens: {
          total: approximateTokens(all),
          noCache: undefined,
          cacheRead: undefined,
          cacheWrite: undefined,
        },
        outputTokens: { total: 0, text: undefined, reasoning: undefined },
      };
      if (next) {
        const content: LanguageModelV3Content[] = [
          { type: 'tool-call', toolCallId: `call_${callsMade + 1}`, toolName: next.tool, input: next.input },
        ];
        usage.outputTokens.total = approximateTokens(next.input);
        return { content, finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage, warnings: [] };
      }
      const text =
        callsMade === 0
          ? 'Simulated answer: no tool was called.'
          : `Simulated answer after ${callsMade} tool call${callsMade === 1 ? '' : 's'}. Last result: ${lastResult.slice(0, 1000)}`;
      usage.outputTokens.total = approximateTokens(text);
      return {
        content: [{ type: 'text', text }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage,
        warnings: [],
      };
    },
    doStream() {
      return Promise.reject(new Error('the simulated tool model answers tool steps with doGenerate only'));
    },
  };
}

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsOf);
  return [];
}
