import type { ModelSettings } from '../agents/agent-definition.ts';
import type { StepOverride } from './run-view.ts';

/** The settings step `number` runs with: the run's settings, then that step's override. */
export function stepSettings(
  run: ModelSettings,
  overrides: readonly StepOverride[],
  number: number,
): ModelSettings {
  const override = overrides.find((o) => o.step === number);
  if (!override) return run;
  const { step: _step, ...patch } = override;
  const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
  return { ...run, ...defined };
}
