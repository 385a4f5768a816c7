import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ApiError, api } from '../shell/api-client.ts';
import type { Policy, PolicyVersion, Role } from '../shell/api-types.ts';
import { ErrorBanner } from '../shell/empty-state.tsx';
import { FormField, fieldMessage } from '../shell/form-field.tsx';
import { formatTime, timeAgo } from '../shell/format-time.ts';

const roles: Role[] = ['admin', 'editor', 'runner', 'viewer'];

/** The policy as the inputs hold it: lists as comma-separated text. */
interface PolicyDraft {
  policy: Policy;
  permittedModels: string;
  legalHoldAgents: string;
  tools: string;
}

const list = (text: string) =>
  text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);

const draftOf = (policy: Policy): PolicyDraft => ({
  policy,
  permittedModels: policy.permittedModels.join(', '),
  legalHoldAgents: policy.legalHold.agentIds.join(', '),
  tools: policy.toolAccess.tools.join(', '),
});

const policyOf = (draft: PolicyDraft): Policy => ({
  ...draft.policy,
  permittedModels: list(draft.permittedModels),
  legalHold: { ...draft.policy.legalHold, agentIds: list(draft.legalHoldAgents) },
  toolAccess: { ...draft.policy.toolAccess, tools: list(draft.tools) },
});

/**
 * Settings > Policy: the version in force (number, author, time, SHA-256 of its canonical JSON),
 * the form that saves a change as the next version (administrators), and every earlier version.
 */
export function PolicySection({ canEdit }: { canEdit: boolean }) {
  const queryClient = useQueryClient();
  const current = useQuery({ queryKey: ['policy'], queryFn: () => api<PolicyVersion>('GET', '/api/policy') });
  const versions = useQuery({
    queryKey: ['policy-versions'],
    queryFn: () => api<{ items: PolicyVersion[] }>('GET', '/api/policy/versions'),
  });
  const [draft, setDraft] = useState<PolicyDraft>();
  const [dirty, setDirty] = useState(false);
  const [open, setOpen] = useState<number>();
  useEffect(() => {
    if (current.data && !dirty) setDraft(draftOf(current.data.policy));
  }, [current.data, dirty]);
  const save = useMutation({
    mutationFn: (next: Policy) => api<PolicyVersion>('PUT', '/api/policy', next),
    onSuccess: (saved) => {
      queryClient.setQueryData(['policy'], saved);
      void queryClient.invalidateQueries({ queryKey: ['policy-versions'] });
      setDirty(false);
    },
  });
  const set = (patch: Partial<PolicyDraft>) => {
    setDirty(true);
    setDraft((d) => (d ? { ...d, ...patch } : d));
  };
  const setPolicy = (patch: Partial<Policy>) => draft && set({ policy: { ...draft.policy, ...patch } });
  const message = (path: string) => fieldMessage(save.error, path);
  const version = current.data;

  return (
    <section className="card" id="policy" aria-labelledby="policy-title">
      <div className="card-header">
        <h2 id="policy-title">Policy</h2>
        {version ? (
          <span className="muted" data-testid="policy-version">
            Version {version.version}
            {version.version > 0 ? ` · ${timeAgo(version.createdAt)}` : ' · defaults'}
          </span>
        ) : null}
      </div>
      <div className="card-body">
        <ErrorBanner error={current.error} />
        {version ? (
          <dl className="facts">
            <div>
              <dt>In force</dt>
              <dd>Version {version.version}</dd>
            </div>
            <div>
              <dt>Author</dt>
              <dd>{version.createdBy}</dd>
            </div>
            <div>
              <dt>Since</dt>
              <dd>{version.version > 0 ? formatTime(version.createdAt) : '—'}</dd>
            </div>
            <div className="wide">
              <dt>SHA-256</dt>
              <dd>
                <code className="break">{version.sha256}</code>
              </dd>
            </div>
          </dl>
        ) : null}
        {draft ? (
          <fieldset disabled={!canEdit} className="editor-section plain-fieldset">
            <legend className="visually-hidden">Policy settings</legend>
            <div className="grid-3">
              <FormField
                id="policy-retention"
                label="Retention (days)"
                hint="0 keeps no minimum"
                message={message('retentionDays')}
              >
                <input
                  type="number"
                  min={0}
                  value={draft.policy.retentionDays}
                  onChange={(e) => setPolicy({ retentionDays: Number(e.target.value) })}
                />
              </FormField>
              <FormField
                id="policy-models"
                label="Permitted models"
                hint="Comma-separated: openai/gpt-5-mini, anthropic/*, *"
                message={message('permittedModels')}
              >
                <input
                  type="text"
                  value={draft.permittedModels}
                  onChange={(e) => set({ permittedModels: e.target.value })}
                />
              </FormField>
              <FormField id="policy-tools" label="Tool access" message={message('toolAccess.mode')}>
                <select
                  value={draft.policy.toolAccess.mode}
                  onChange={(e) =>
                    setPolicy({
                      toolAccess: {
                        ...draft.policy.toolAccess,
                        mode: e.target.value as Policy['toolAccess']['mode'],
                      },
                    })
                  }
                >
                  <option value="all">All tools</option>
                  <option value="read-only">Read-only tools</option>
                  <option value="custom">Only the tools listed</option>
                </select>
              </FormField>
            </div>
            {draft.policy.toolAccess.mode === 'custom' ? (
              <FormField id="policy-tool-list" label="Tools allowed" message={message('toolAccess.tools')}>
                <input type="text" value={draft.tools} onChange={(e) => set({ tools: e.target.value })} />
              </FormField>
            ) : null}
            <div className="check-row">
              <label className="check">
                <input
                  type="checkbox"
                  checked={draft.policy.deletionPrevention}
                  onChange={(e) => setPolicy({ deletionPrevention: e.target.checked })}
                />{' '}
                Prevent deleting runs younger than the retention
              </label>
              <label className="check">
                <input
                  type="checkbox"
                  checked={draft.policy.signingDefault}
                  onChange={(e) => setPolicy({ signingDefault: e.target.checked })}
                />{' '}
                Sign records and evidence by default
              </label>
            </div>
            <fieldset className="plain-fieldset">
              <legend className="field-legend">Roles allowed to delete runs</legend>
              <div className="check-row">
                {roles.map((role) => (
                  <label key={role} className="check">
                    <input
                      type="checkbox"
                      checked={draft.policy.rolesAllowedToDelete.includes(role)}
                      onChange={(e) =>
                        setPolicy({
                          rolesAllowedToDelete: e.target.checked
                            ? [...draft.policy.rolesAllowedToDelete, role]
                            : draft.policy.rolesAllowedToDelete.filter((r) => r !== role),
                        })
                      }
                    />{' '}
                    {role}
                  </label>
                ))}
              </div>
            </fieldset>
            <fieldset className="plain-fieldset">
              <legend className="field-legend">Legal hold</legend>
              <label className="check">
                <input
                  type="checkbox"
                  checked={draft.policy.legalHold.active}
                  onChange={(e) =>
                    setPolicy({ legalHold: { ...draft.policy.legalHold, active: e.target.checked } })
                  }
                />{' '}
                Legal hold active: no run can be deleted
              </label>
              {draft.policy.legalHold.active ? (
                <div className="grid-2">
                  <FormField id="policy-hold-reason" label="Reason" message={message('legalHold.reason')}>
                    <input
                      type="text"
                      value={draft.policy.legalHold.reason}
                      onChange={(e) =>
                        setPolicy({ legalHold: { ...draft.policy.legalHold, reason: e.target.value } })
                      }
                    />
                  </FormField>
                  <FormField
                    id="policy-hold-agents"
                    label="Only these agents"
                    hint="Agent ids, comma-separated; empty holds every run"
                    message={message('legalHold.agentIds')}
                  >
                    <input
                      type="text"
                      value={draft.legalHoldAgents}
                      onChange={(e) => set({ legalHoldAgents: e.target.value })}
                    />
                  </FormField>
                </div>
              ) : null}
            </fieldset>
            <FormField
              id="policy-instructions"
              label="Mandatory AI instructions"
              hint="Put before the system prompt of every model call"
              message={message('mandatoryInstructions')}
            >
              <textarea
                rows={3}
                value={draft.policy.mandatoryInstructions}
                onChange={(e) => setPolicy({ mandatoryInstructions: e.target.value })}
              />
            </FormField>
          </fieldset>
        ) : null}
        {save.error && !(save.error instanceof ApiError && save.error.details.length > 0) ? (
          <ErrorBanner error={save.error} />
        ) : null}
        {canEdit && draft ? (
          <div className="toolbar">
            <button
              type="button"
              className="btn btn-primary"
              disabled={!dirty || save.isPending}
              onClick={() => save.mutate(policyOf(draft))}
            >
              Save as a new version
            </button>
            {dirty ? (
              <button type="button" className="btn" onClick={() => setDirty(false)}>
                Discard changes
              </button>
            ) : null}
          </div>
        ) : null}

        <h3 className="section-title">Version history</h3>
        <div className="table-scroll">
          <table className="simple" aria-label="Policy versions">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Author</th>
                <th scope="col">Time</th>
                <th scope="col">SHA-256</th>
                <th scope="col">
                  <span className="visually-hidden">Policy</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {versions.data?.items.length === 0 ? (
                <tr>
                  <td colSpan={5} className="muted">
                    No change yet: the defaults apply (permit every model, prevent nothing).
                  </td>
                </tr>
              ) : null}
              {versions.data?.items.flatMap((v) => [
                <tr key={v.version} data-policy-version={v.version}>
                  <td>v{v.version}</td>
                  <td className="break">{v.createdBy}</td>
                  <td title={formatTime(v.createdAt)}>{timeAgo(v.createdAt)}</td>
                  <td>
                    <code title={v.sha256}>{v.sha256.slice(0, 16)}…</code>
                  </td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-sm btn-ghost"
                      aria-expanded={open === v.version}
                      aria-label={`${open === v.version ? 'Hide' : 'View'} policy version ${v.version}`}
                      onClick={() => setOpen(open === v.version ? undefined : v.version)}
                    >
                      {open === v.version ? 'Hide' : 'View'}
                    </button>
                  </td>
                </tr>,
                open === v.version ? (
                  <tr key={`${v.version}-policy`}>
                    <td colSpan={5}>
                      <pre className="output">{JSON.stringify(v.policy, null, 2)}</pre>
                    </td>
                  </tr>
                ) : null,
              ])}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}
