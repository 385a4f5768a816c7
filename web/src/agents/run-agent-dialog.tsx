import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { ApiError, api } from '../shell/api-client.ts';
import type { AgentView, ReasoningEffort, RunDetails } from '../shell/api-types.ts';
import { Dialog } from '../shell/dialog.tsx';
import { reasoningOptions } from './model-options.ts';
import { useAgent } from './use-agents.ts';
import { filledValues, VariableFields } from './variable-fields.tsx';

/** Starts a run of `agent`: a form generated from its variable types, plus run-level model settings. */
export function RunAgentDialog({ agentId, onClose }: { agentId: string; onClose(): void }) {
  const agent = useAgent(agentId).data;
  if (!agent) return null;
  return <RunAgentForm agent={agent} onClose={onClose} />;
}

function RunAgentForm({ agent, onClose }: { agent: AgentView; onClose(): void }) {
  const [name, setName] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [model, setModel] = useState('');
  const [reasoning, setReasoning] = useState<ReasoningEffort | ''>('');
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const run = useMutation({
    mutationFn: () =>
      api<RunDetails>('POST', `/api/agents/${agent.id}/runs`, {
        ...(name.trim() ? { name: name.trim() } : {}),
        variables: filledValues(values),
        ...(model || reasoning
          ? {
              modelSettings: {
                ...(model ? { model } : {}),
                ...(reasoning ? { reasoningEffort: reasoning } : {}),
              },
            }
          : {}),
      }),
    onSuccess: (created) => {
      void queryClient.invalidateQueries({ queryKey: ['runs'] });
      onClose();
      void navigate({ to: '/runs/$runId', params: { runId: created.id } });
    },
  });
  const error = run.error instanceof ApiError ? run.error : null;
  return (
    <Dialog
      open
      title={`Run ${agent.name}`}
      description={`Version ${agent.version} · ${agent.steps.length} ${agent.steps.length === 1 ? 'step' : 'steps'} · ${agent.modelSettings.model}`}
      onClose={onClose}
      onSubmit={() => run.mutate()}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={run.isPending}>
            {run.isPending ? 'Starting…' : 'Start run'}
          </button>
        </>
      }
    >
      {run.error ? (
        <div className="banner banner-error" role="alert">
          {run.error.message}
        </div>
      ) : null}
      <div className="field">
        <label htmlFor="run-name">Run name</label>
        <input
          id="run-name"
          type="text"
          value={name}
          placeholder={`${agent.name} (generated when empty)`}
          onChange={(e) => setName(e.target.value)}
        />
      </div>
      <fieldset className="editor-section" style={{ border: 0, padding: 0, margin: 0 }}>
        <legend className="label" style={{ fontWeight: 600, marginBottom: 8 }}>
          Variables
        </legend>
        <VariableFields
          idPrefix="run-var"
          definitions={agent.variables}
          values={values}
          onChange={(key, value) => setValues((prev) => ({ ...prev, [key]: value }))}
          error={error}
        />
      </fieldset>
      <details>
        <summary>Model settings for this run</summary>
        <div className="grid-2" style={{ marginTop: 8 }}>
          <div className="field">
            <label htmlFor="run-model">Model</label>
            <input
              id="run-model"
              type="text"
              list="known-models"
              value={model}
              placeholder={agent.modelSettings.model}
              aria-invalid={error?.fieldMessage('modelSettings.model') ? true : undefined}
              onChange={(e) => setModel(e.target.value)}
            />
            {error?.fieldMessage('modelSettings.model') ? (
              <span className="field-error">{error.fieldMessage('modelSettings.model')}</span>
            ) : null}
          </div>
          <div className="field">
            <label htmlFor="run-reasoning">Reasoning effort</label>
            <select
              id="run-reasoning"
              value={reasoning}
              onChange={(e) => setReasoning(e.target.value as ReasoningEffort | '')}
            >
              <option value="">Agent's setting ({agent.modelSettings.reasoningEffort ?? 'default'})</option>
              {reasoningOptions.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </div>
        </div>
      </details>
    </Dialog>
  );
}
