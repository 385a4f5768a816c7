import { AppError, type FieldIssue } from '../platform/errors.ts';
import type { Role } from './actor.ts';
import { isModelPermitted, type Policy } from './policy.ts';

/**
 * A request the organization's policy refuses: 403 with the rule named in the message
 * (`policy.permittedModels`, `policy.legalHold`…) and, where a field of the request is at fault,
 * in `details`.
 */
export class PolicyRefusal extends AppError {
  constructor(
    readonly rule: string,
    message: string,
    details: FieldIssue[] = [],
  ) {
    super('forbidden', `refused by policy rule ${rule}: ${message}`, 'user', details);
  }
}

/**
 * Throws PolicyRefusal unless the run's model and every step override's model are permitted,
 * naming each offending field (`modelSettings.model`, `stepOverrides[1].model`).
 */
export function assertModelsPermitted(
  policy: { version: number; policy: Pick<Policy, 'permittedModels'> },
  modelSettings: { model: string },
  stepOverrides: ReadonlyArray<{ step: number; model?: string | undefined }>,
): void {
  const refused: Array<{ path: string; model: string }> = [];
  const check = (model: string | undefined, path: string) => {
    if (model !== undefined && !isModelPermitted(policy.policy, model)) refused.push({ path, model });
  };
  check(modelSettings.model, 'modelSettings.model');
  stepOverrides.forEach((o, i) => {
    check(o.model, `stepOverrides[${i}].model`);
  });
  const first = refused[0];
  if (!first) return;
  throw new PolicyRefusal(
    'permittedModels',
    `${first.path}: model "${first.model}" is not permitted (policy version ${policy.version} permits ${policy.policy.permittedModels.join(', ')})`,
    refused.map((r) => ({ path: r.path, message: `model "${r.model}" is not permitted by the policy` })),
  );
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * L4: whether `role` may delete a run of `agentId` created at `createdAtMs`, at `nowMs`. Throws
 * PolicyRefusal naming the first rule that refuses: role, legal hold, then retention.
 */
export function assertRunDeletable(
  policy: { version: number; policy: Policy },
  role: Role,
  run: { agentId: string; createdAtMs: number },
  nowMs: number,
): void {
  const p = policy.policy;
  if (!p.rolesAllowedToDelete.includes(role))
    throw new PolicyRefusal(
      'rolesAllowedToDelete',
      `your role (${role}) may not delete runs; policy version ${policy.version} allows ${p.rolesAllowedToDelete.join(', ') || 'no role'}`,
    );
  if (p.legalHold.active && (p.legalHold.agentIds.length === 0 || p.legalHold.agentIds.includes(run.agentId)))
    throw new PolicyRefusal(
      'legalHold',
      `runs${p.legalHold.agentIds.length === 0 ? '' : ` of agent ${run.agentId}`} are under legal hold${p.legalHold.reason ? ` (${p.legalHold.reason})` : ''}`,
    );
  const keptUntil = run.createdAtMs + p.retentionDays * DAY_MS;
  if (p.deletionPrevention && nowMs < keptUntil)
    throw new PolicyRefusal(
      'retentionDays',
      `the retention period of ${p.retentionDays} days has not elapsed; the run can be deleted from ${new Date(keptUntil).toISOString()}`,
    );
}
