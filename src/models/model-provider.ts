import type { ReasoningEffort } from '../agents/agent-definition.ts';
import type { FileKind } from '../files/file-kind.ts';
import type { StepToolSet } from '../tools/step-tool-set.ts';

/** Token counts of one model call, as the provider reported them. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  reasoningTokens?: number;
  cachedInputTokens?: number;
}

export interface ModelCall {
  /** `provider/model`, e.g. `simulated/default`. */
  model: string;
  system?: string | undefined;
  prompt: string;
  reasoningEffort?: ReasoningEffort | undefined;
  temperature?: number | undefined;
  maxOutputTokens?: number | undefined;
  outputFormat: 'text' | 'json';
  /** A file step's kind: the answer is that kind's spec, as JSON (`outputFormat` is `json`). */
  fileKind?: FileKind | undefined;
  /** The JSON Schema the answer must satisfy (structured output); set for file steps. */
  outputSchema?: Record<string, unknown> | undefined;
  /** Aborts the call: canceling a run reaches the HTTP request (or the simulated wait). */
  signal: AbortSignal;
  /** 1-based step number, for providers that inject behaviour per step (the simulated one). */
  stepNumber: number;
  /** When set, the provider streams and hands each piece of the answer here as it arrives. */
  onDelta?: ((text: string) => void) | undefined;
  /**
   * The step's tools (C1, C2): the provider runs the bounded tool loop (`tools/run-tool-loop.ts`)
   * instead of one call; the answer is the model's last text. Absent for a step without tools.
   */
  tools?: StepToolSet | undefined;
}

export interface ModelAnswer {
  text: string;
  usage: Usage;
  /** What the provider reports it ran (e.g. a dated snapshot of the model asked for). */
  responseModel?: string | undefined;
  /** Settings the provider ignored or changed (e.g. temperature on a reasoning model). */
  warnings?: string[] | undefined;
}

/** One provider (openai, anthropic, simulated, …); `generate` throws ProviderError on failure. */
export interface ModelProvider {
  readonly id: string;
  /** True for the built-in offline provider; runs that used it say so. */
  readonly simulated: boolean;
  /**
   * The provider's own options a call's settings become (OpenAI `reasoningEffort`, Anthropic
   * `thinking`), so a step can record what it actually sent.
   */
  optionsFor?(call: Pick<ModelCall, 'reasoningEffort'>): Record<string, unknown>;
  generate(call: ModelCall): Promise<ModelAnswer>;
}
