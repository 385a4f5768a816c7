import type { ToolSet } from 'ai';

/**
 * The tools one step may call, ready for the AI SDK's loop (`run-tool-loop.ts`), with what the
 * loop needs to judge the outcome. Built per step by `step-tools.ts`; a step without tools has
 * none, and its model call is the plain one.
 */
export interface StepToolSet {
  /** Keyed by the name the model sees (`modelFacingName`). */
  tools: ToolSet;
  /** Model rounds the loop may take; the step fails if the model still wants tools after them. */
  maxRounds: number;
  /** The first call that must fail the step (a refusal, a broken tool); set by the tools. */
  readonly failure: unknown;
  /**
   * Records a call the SDK turned down before any tool ran (a tool the step does not list,
   * arguments its schema refuses) and returns the error that fails the step.
   */
  refuseInvalid(toolName: string, input: unknown, reason: string): Promise<Error>;
}
