import type { Deps } from '../deps.ts';
import { currentPolicy } from './policy-versions.ts';

/**
 * The mandatory AI instructions of each organization's policy, for the engine, which puts them
 * before every model call's system prompt. Read once per organization and kept `ttlMs`: a worker
 * starts thousands of attempts a second and must not read the policy for each (the engine
 * benchmark counts every query per attempt). A change made in this process reaches it at once
 * (`invalidate`, fed by the bus's `policy` channel); one made by another process within `ttlMs`.
 */
export interface PolicyInstructions {
  forOrg(orgId: string): Promise<string>;
  invalidate(orgId: string): void;
}

export function createPolicyInstructions(
  deps: Pick<Deps, 'store' | 'clock'>,
  ttlMs = 5000,
): PolicyInstructions {
  const cache = new Map<string, { value: Promise<string>; loadedAtMs: number }>();
  return {
    forOrg(orgId) {
      const hit = cache.get(orgId);
      const now = deps.clock.now();
      if (hit && now - hit.loadedAtMs < ttlMs) return hit.value;
      const value = currentPolicy(deps.store.db, orgId).then((p) => p.policy.mandatoryInstructions);
      value.catch(() => cache.delete(orgId));
      cache.set(orgId, { value, loadedAtMs: now });
      return value;
    },
    invalidate(orgId) {
      cache.delete(orgId);
    },
  };
}

/** The system prompt of a model call: the policy's mandatory instructions first, then the step's own. */
export function withMandatoryInstructions(
  instructions: string | undefined,
  system: string | undefined,
): string | undefined {
  if (!instructions) return system;
  return system === undefined || system === '' ? instructions : `${instructions}\n\n${system}`;
}
