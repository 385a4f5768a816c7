import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { filledValues, VariableFields } from '../agents/variable-fields.tsx';
import { ApiError, api } from '../shell/api-client.ts';
import type { RunDetails } from '../shell/api-types.ts';
import { Dialog } from '../shell/dialog.tsx';
import { useAgentVersions, useRun } from './use-run.ts';

/** M3: a new run with the same configuration; the user adjusts variables and the name first. */
export function DuplicateDialog({ runId, onClose }: { runId: string; onClose(): void }) {
  const run = useRun(runId);
  const versions = useAgentVersions(run.data?.agentId);
  const definition = versions.data?.items.find((v) => v.version === run.data?.agentVersion)?.definition;
  const [name, setName] = useState<string>();
  const [values, setValues] = useState<Record<string, string>>({});
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const duplicate = useMutation({
    mutationFn: () =>
      api<RunDetails>('POST', `/api/runs/${runId}/duplicate`, {
        ...(name ? { name } : {}),
        variables: filledValues(values),
      }),
    onSuccess: (created) => {
      void queryClient.invalidateQueries({ queryKey: ['runs'] });
      onClose();
      void navigate({ to: '/runs/$runId', params: { runId: created.id } });
    },
  });
  const error = duplicate.error instanceof ApiError ? duplicate.error : null;
  const baseline = Object.fromEntries((run.data?.variables ?? []).map((v) => [v.name, v.value]));
  return (
    <Dialog
      open
      title="Duplicate run"
      description={
        run.data
          ? `A new run of ${run.data.agentName} v${run.data.agentVersion} with the same settings.`
          : undefined
      }
      onClose={onClose}
      onSubmit={() => duplicate.mutate()}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={duplicate.isPending || !definition}>
            {duplicate.isPending ? 'Starting…' : 'Duplicate and start'}
          </button>
        </>
      }
    >
      {duplicate.error && !error?.details.length ? (
        <div className="banner banner-error" role="alert">
          {duplicate.error.message}
        </div>
      ) : null}
      {error?.details.length ? (
        <div className="banner banner-error" role="alert">
          {error.message}
        </div>
      ) : null}
      <div className="field">
        <label htmlFor="duplicate-name">Name</label>
        <input
          id="duplicate-name"
          type="text"
          value={name ?? ''}
          placeholder={run.data ? `${run.data.name} (copy)` : ''}
          onChange={(e) => setName(e.target.value)}
        />
      </div>
      {definition ? (
        <VariableFields
          idPrefix="duplicate"
          definitions={definition.variables}
          values={values}
          onChange={(key, value) => setValues((prev) => ({ ...prev, [key]: value }))}
          error={error}
          baseline={baseline}
        />
      ) : (
        <p className="muted" aria-busy="true">
          Loading the run's variables…
        </p>
      )}
    </Dialog>
  );
}
