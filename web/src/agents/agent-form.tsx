import type { ApiError } from '../shell/api-client.ts';
import type { VariableType } from '../shell/api-types.ts';
import { SitePicker } from '../sites/site-picker.tsx';
import { type AgentDraft, newStep } from './agent-draft.ts';
import { Field } from './agent-field.tsx';
import { reasoningOptions, variableTypeOptions } from './model-options.ts';
import { StepOutputField } from './step-output-field.tsx';
import { StepToolsField } from './step-tools-field.tsx';
import { ToolSettingsFields } from './tool-settings-fields.tsx';

/**
 * The agent editor: identity, model settings, notification and Sites, variables, steps with
 * per-step model overrides and tools, and what the tools may reach. It only holds text; the
 * server validates and its refusals show at the field they name.
 */
export function AgentForm({
  draft,
  onChange,
  error,
  readOnly,
}: {
  draft: AgentDraft;
  onChange(next: AgentDraft): void;
  error: ApiError | null;
  readOnly: boolean;
}) {
  const set = <K extends keyof AgentDraft>(key: K, value: AgentDraft[K]) =>
    onChange({ ...draft, [key]: value });
  const setVariable = (i: number, patch: Partial<AgentDraft['variables'][number]>) =>
    set(
      'variables',
      draft.variables.map((v, j) => (j === i ? { ...v, ...patch } : v)),
    );
  const setStep = (i: number, patch: Partial<AgentDraft['steps'][number]>) =>
    set(
      'steps',
      draft.steps.map((s, j) => (j === i ? { ...s, ...patch } : s)),
    );
  const moveStep = (i: number, by: -1 | 1) => {
    const steps = [...draft.steps];
    const [moved] = steps.splice(i, 1);
    if (moved) steps.splice(i + by, 0, moved);
    set('steps', steps);
  };

  return (
    <fieldset
      disabled={readOnly}
      style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}
      className="editor-section"
    >
      <section className="card" aria-labelledby="general-title">
        <div className="card-header">
          <h2 id="general-title">General</h2>
        </div>
        <div className="card-body">
          <Field path="name" label="Name" error={error}>
            <input type="text" value={draft.name} onChange={(e) => set('name', e.target.value)} />
          </Field>
          <Field path="description" label="Description" error={error}>
            <textarea
              rows={2}
              style={{ fontFamily: 'var(--font)', fontSize: 14 }}
              value={draft.description}
              onChange={(e) => set('description', e.target.value)}
            />
          </Field>
        </div>
      </section>

      <section className="card" aria-labelledby="model-title">
        <div className="card-header">
          <h2 id="model-title">Model settings</h2>
          <span className="muted">Steps may override them</span>
        </div>
        <div className="card-body">
          <div className="grid-4">
            <Field path="modelSettings.model" label="Model" error={error} hint="provider/model">
              <input
                type="text"
                list="known-models"
                value={draft.model}
                onChange={(e) => set('model', e.target.value)}
              />
            </Field>
            <Field path="modelSettings.reasoningEffort" label="Reasoning effort" error={error}>
              <select value={draft.reasoningEffort} onChange={(e) => set('reasoningEffort', e.target.value)}>
                <option value="">Provider default</option>
                {reasoningOptions.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </Field>
            <Field path="modelSettings.temperature" label="Temperature" error={error} hint="0 to 2">
              <input
                type="text"
                inputMode="decimal"
                value={draft.temperature}
                onChange={(e) => set('temperature', e.target.value)}
              />
            </Field>
            <Field path="modelSettings.maxOutputTokens" label="Max output tokens" error={error}>
              <input
                type="text"
                inputMode="numeric"
                value={draft.maxOutputTokens}
                onChange={(e) => set('maxOutputTokens', e.target.value)}
              />
            </Field>
          </div>
        </div>
      </section>

      <section className="card" aria-labelledby="vars-title">
        <div className="card-header">
          <h2 id="vars-title">Variables</h2>
          <button
            type="button"
            className="btn btn-sm"
            onClick={() =>
              set('variables', [
                ...draft.variables,
                { name: '', type: 'string', required: false, default: '', description: '' },
              ])
            }
          >
            Add variable
          </button>
        </div>
        <div className="card-body">
          {draft.variables.length === 0 ? (
            <p className="muted" style={{ margin: 0 }}>
              No variables. Prompts reference variables as <code>{'{{ vars.name }}'}</code>.
            </p>
          ) : null}
          {draft.variables.map((v, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: unsaved rows have no identity but their place; inputs are controlled
            <div className="var-grid" key={i} data-variable-index={i}>
              <Field path={`variables[${i}].name`} label="Name" error={error}>
                <input
                  type="text"
                  value={v.name}
                  onChange={(e) => setVariable(i, { name: e.target.value })}
                />
              </Field>
              <Field path={`variables[${i}].type`} label="Type" error={error}>
                <select
                  value={v.type}
                  onChange={(e) => setVariable(i, { type: e.target.value as VariableType })}
                >
                  {variableTypeOptions.map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </select>
              </Field>
              <Field path={`variables[${i}].default`} label="Default" error={error}>
                <input
                  type="text"
                  value={v.default}
                  onChange={(e) => setVariable(i, { default: e.target.value })}
                />
              </Field>
              <Field path={`variables[${i}].description`} label="Description" error={error}>
                <input
                  type="text"
                  value={v.description}
                  onChange={(e) => setVariable(i, { description: e.target.value })}
                />
              </Field>
              <div style={{ display: 'flex', gap: 8, alignItems: 'center', minHeight: 32 }}>
                <label className="check">
                  <input
                    type="checkbox"
                    checked={v.required}
                    onChange={(e) => setVariable(i, { required: e.target.checked })}
                  />
                  Required
                </label>
                <button
                  type="button"
                  className="btn btn-sm btn-ghost btn-danger"
                  aria-label={`Remove variable ${v.name || i + 1}`}
                  onClick={() =>
                    set(
                      'variables',
                      draft.variables.filter((_, j) => j !== i),
                    )
                  }
                >
                  Remove
                </button>
              </div>
            </div>
          ))}
        </div>
      </section>

      <section className="card" aria-labelledby="steps-title">
        <div className="card-header">
          <h2 id="steps-title">Steps</h2>
          <button
            type="button"
            className="btn btn-sm"
            onClick={() => set('steps', [...draft.steps, newStep(draft.steps.length + 1)])}
          >
            Add step
          </button>
        </div>
        <div className="card-body">
          {error?.fieldMessage('steps') ? (
            <div className="field-error">{error.fieldMessage('steps')}</div>
          ) : null}
          {draft.steps.map((s, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: unsaved steps have no identity but their place; inputs are controlled
            <div className="item-card" key={i} data-step-index={i}>
              <div className="item-card-head">
                <span className="step-num" aria-hidden="true">
                  {i + 1}
                </span>
                <strong className="grow">{s.name || `Step ${i + 1}`}</strong>
                <button
                  type="button"
                  className="btn btn-sm btn-ghost"
                  aria-label={`Move step ${i + 1} up`}
                  disabled={i === 0}
                  onClick={() => moveStep(i, -1)}
                >
                  ↑
                </button>
                <button
                  type="button"
                  className="btn btn-sm btn-ghost"
                  aria-label={`Move step ${i + 1} down`}
                  disabled={i === draft.steps.length - 1}
                  onClick={() => moveStep(i, 1)}
                >
                  ↓
                </button>
                <button
                  type="button"
                  className="btn btn-sm btn-ghost btn-danger"
                  aria-label={`Remove step ${i + 1}`}
                  disabled={draft.steps.length === 1}
                  onClick={() =>
                    set(
                      'steps',
                      draft.steps.filter((_, j) => j !== i),
                    )
                  }
                >
                  Remove
                </button>
              </div>
              <div className="grid-2">
                <Field path={`steps[${i}].name`} label={`Step ${i + 1} name`} error={error}>
                  <input type="text" value={s.name} onChange={(e) => setStep(i, { name: e.target.value })} />
                </Field>
                <Field
                  path={`steps[${i}].key`}
                  label="Key"
                  error={error}
                  hint={
                    <>
                      Later steps use <code>{`{{ steps.${s.key || 'key'}.output }}`}</code>
                    </>
                  }
                >
                  <input
                    type="text"
                    value={s.key}
                    placeholder="from the name"
                    onChange={(e) => setStep(i, { key: e.target.value })}
                  />
                </Field>
              </div>
              <Field
                path={`steps[${i}].prompt`}
                label={`Step ${i + 1} prompt`}
                error={error}
                hint="Liquid template: {{ vars.name }}, {{ steps.key.output }}, {{ sources }}"
              >
                <textarea
                  rows={4}
                  value={s.prompt}
                  onChange={(e) => setStep(i, { prompt: e.target.value })}
                />
              </Field>
              <StepOutputField
                index={i}
                output={s.output}
                error={error}
                onChange={(output) => setStep(i, { output })}
              />
              {s.extra.kind === 'agent' ? null : (
                <StepToolsField
                  index={i}
                  value={s.tools}
                  onChange={(tools) => setStep(i, { tools })}
                  error={error}
                  readOnly={readOnly}
                />
              )}
              {s.tools.length > 0 ? (
                <Field
                  path={`steps[${i}].maxToolRounds`}
                  label={`Step ${i + 1} tool rounds`}
                  error={error}
                  hint="How many model rounds the tools may take (1 to 50, default 8)"
                >
                  <input
                    type="text"
                    inputMode="numeric"
                    value={s.maxToolRounds}
                    placeholder="8"
                    onChange={(e) => setStep(i, { maxToolRounds: e.target.value })}
                  />
                </Field>
              ) : null}
              <details>
                <summary>System instructions and model overrides</summary>
                <div className="editor-section" style={{ marginTop: 8 }}>
                  <Field path={`steps[${i}].system`} label="System instructions" error={error}>
                    <textarea
                      rows={2}
                      value={s.system}
                      onChange={(e) => setStep(i, { system: e.target.value })}
                    />
                  </Field>
                  <div className="grid-2">
                    <Field
                      path={`steps[${i}].modelSettings.model`}
                      label={`Step ${i + 1} model`}
                      error={error}
                    >
                      <input
                        type="text"
                        list="known-models"
                        value={s.model}
                        placeholder={`Agent's model (${draft.model})`}
                        onChange={(e) => setStep(i, { model: e.target.value })}
                      />
                    </Field>
                    <Field
                      path={`steps[${i}].modelSettings.reasoningEffort`}
                      label={`Step ${i + 1} reasoning effort`}
                      error={error}
                    >
                      <select
                        value={s.reasoningEffort}
                        onChange={(e) => setStep(i, { reasoningEffort: e.target.value })}
                      >
                        <option value="">Agent's setting</option>
                        {reasoningOptions.map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                      </select>
                    </Field>
                  </div>
                </div>
              </details>
            </div>
          ))}
        </div>
      </section>

      <section className="card" aria-labelledby="tool-settings-title">
        <div className="card-header">
          <h2 id="tool-settings-title">Tool settings</h2>
          <span className="muted">What http_request and invoke_agent may reach</span>
        </div>
        <div className="card-body">
          <ToolSettingsFields
            value={draft.toolSettings}
            onChange={(toolSettings) => set('toolSettings', toolSettings)}
            error={error}
            readOnly={readOnly}
          />
        </div>
      </section>

      <section className="card" aria-labelledby="delivery-title">
        <div className="card-header">
          <h2 id="delivery-title">Notification and Sites</h2>
        </div>
        <div className="card-body">
          <div className="grid-2">
            <Field path="notification.on" label="Notify" error={error}>
              <select value={draft.notifyOn} onChange={(e) => set('notifyOn', e.target.value)}>
                <option value="none">Never</option>
                <option value="failure">On failure</option>
                <option value="completion">On completion</option>
                <option value="always">Always</option>
              </select>
            </Field>
            <Field path="notification.email" label="Email recipients" error={error} hint="Comma-separated">
              <input
                type="text"
                value={draft.notifyEmail}
                onChange={(e) => set('notifyEmail', e.target.value)}
              />
            </Field>
          </div>
          <Field path="notification.webhook" label="Webhook URL" error={error}>
            <input
              type="text"
              value={draft.notifyWebhook}
              onChange={(e) => set('notifyWebhook', e.target.value)}
            />
          </Field>
          <SitePicker
            value={draft.siteIds}
            onChange={(ids) => set('siteIds', ids)}
            error={error}
            disabled={readOnly}
          />
        </div>
      </section>
    </fieldset>
  );
}
