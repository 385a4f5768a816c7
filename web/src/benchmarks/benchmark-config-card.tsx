import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api } from '../shell/api-client.ts';
import type { BenchmarkView, Criterion, ReferenceCase } from '../shell/api-types.ts';
import { ErrorBanner } from '../shell/empty-state.tsx';
import {
  type CriterionDraft,
  type CriterionType,
  criterionFromDraft,
  criterionTypes,
  emptyDraft,
  fieldsOf,
} from './criterion-draft.ts';

type CaseInput = Omit<ReferenceCase, 'id'> & { id?: string };

/** B1: the agent's benchmark: writing quality, custom criteria, reference cases, automatic runs. */
export function BenchmarkConfigCard({
  agentId,
  benchmark,
  canEdit,
}: {
  agentId: string;
  benchmark: BenchmarkView;
  canEdit: boolean;
}) {
  const queryClient = useQueryClient();
  const [autoRun, setAutoRun] = useState(benchmark.autoRun);
  const [quality, setQuality] = useState(benchmark.quality.enabled);
  const [judgeModel, setJudgeModel] = useState(benchmark.judgeModel ?? '');
  const [criteria, setCriteria] = useState<Array<Record<string, unknown>>>(benchmark.criteria);
  const [cases, setCases] = useState<CaseInput[]>(benchmark.cases);
  const [draft, setDraft] = useState<CriterionDraft>(emptyDraft);
  const [draftError, setDraftError] = useState<string>();
  const [caseDraft, setCaseDraft] = useState({ name: '', variables: '{}', expected: '' });
  const [caseError, setCaseError] = useState<string>();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    setAutoRun(benchmark.autoRun);
    setQuality(benchmark.quality.enabled);
    setJudgeModel(benchmark.judgeModel ?? '');
    setCriteria(benchmark.criteria);
    setCases(benchmark.cases);
  }, [benchmark]);

  const save = useMutation({
    mutationFn: () =>
      api<BenchmarkView>('PUT', `/api/agents/${agentId}/benchmarks`, {
        autoRun,
        quality: { ...benchmark.quality, enabled: quality },
        ...(judgeModel.trim() ? { judgeModel: judgeModel.trim() } : {}),
        criteria,
        cases,
      }),
    onSuccess: () => {
      setSaved(true);
      void queryClient.invalidateQueries({ queryKey: ['benchmarks', agentId] });
    },
  });
  const fields = fieldsOf(draft.type);
  const set = (patch: Partial<CriterionDraft>) => {
    setSaved(false);
    setDraft({ ...draft, ...patch });
  };

  return (
    <section className="card" aria-labelledby="benchmark-config-title">
      <div className="card-header">
        <h2 id="benchmark-config-title">Benchmark</h2>
        <span className="muted">{benchmark.configured ? 'Configured' : 'Default: writing quality only'}</span>
      </div>
      <form
        className="card-body benchmark-grid"
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
      >
        <fieldset disabled={!canEdit} style={{ border: 0, padding: 0, margin: 0, display: 'grid', gap: 12 }}>
          <label>
            <input
              type="checkbox"
              checked={autoRun}
              onChange={(e) => {
                setSaved(false);
                setAutoRun(e.target.checked);
              }}
            />{' '}
            Benchmark every run when it completes
          </label>
          <label>
            <input
              type="checkbox"
              checked={quality}
              onChange={(e) => {
                setSaved(false);
                setQuality(e.target.checked);
              }}
            />{' '}
            Writing quality (readability, clarity, cohesion, tone, engagement, repetition, vocabulary,
            complexity)
          </label>
          <div className="field" style={{ maxWidth: 360 }}>
            <label htmlFor="judge-model">Judge model</label>
            <input
              id="judge-model"
              type="text"
              placeholder="default: the run's model"
              value={judgeModel}
              onChange={(e) => {
                setSaved(false);
                setJudgeModel(e.target.value);
              }}
            />
          </div>

          <h3 style={{ margin: 0, fontSize: 14 }}>Criteria</h3>
          {criteria.length === 0 ? (
            <p className="muted" style={{ margin: 0 }}>
              No custom criteria.
            </p>
          ) : null}
          <ul style={{ margin: 0 }} aria-label="Criteria">
            {criteria.map((c, i) => (
              <li key={String(c.id ?? i)}>
                <code>{String(c.type)}</code> {summary(c)} · weight {String(c.weight ?? 1)}
                {c.threshold !== undefined ? ` · pass at ${String(c.threshold)}` : ''}{' '}
                <button
                  type="button"
                  className="btn btn-sm"
                  aria-label={`Remove criterion ${i + 1}`}
                  onClick={() => {
                    setSaved(false);
                    setCriteria(criteria.filter((_, n) => n !== i));
                  }}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
          <div className="criterion-row">
            <div className="field">
              <label htmlFor="criterion-type">Type</label>
              <select
                id="criterion-type"
                value={draft.type}
                onChange={(e) => set({ type: e.target.value as CriterionType })}
              >
                {criterionTypes.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </div>
            {fields.text ? (
              <div className="field" style={{ flex: '1 1 220px' }}>
                <label htmlFor="criterion-text">{fields.text}</label>
                <input
                  id="criterion-text"
                  type="text"
                  value={draft.text}
                  onChange={(e) => set({ text: e.target.value })}
                />
              </div>
            ) : null}
            {fields.min ? (
              <div className="field" style={{ width: 90 }}>
                <label htmlFor="criterion-min">{fields.min}</label>
                <input
                  id="criterion-min"
                  type="number"
                  value={draft.min}
                  onChange={(e) => set({ min: e.target.value })}
                />
              </div>
            ) : null}
            {fields.max ? (
              <div className="field" style={{ width: 120 }}>
                <label htmlFor="criterion-max">{fields.max}</label>
                <input
                  id="criterion-max"
                  type="number"
                  value={draft.max}
                  onChange={(e) => set({ max: e.target.value })}
                />
              </div>
            ) : null}
            <div className="field" style={{ width: 80 }}>
              <label htmlFor="criterion-weight">Weight</label>
              <input
                id="criterion-weight"
                type="number"
                step="any"
                value={draft.weight}
                onChange={(e) => set({ weight: e.target.value })}
              />
            </div>
            <div className="field" style={{ width: 100 }}>
              <label htmlFor="criterion-threshold">Pass at (0–1)</label>
              <input
                id="criterion-threshold"
                type="number"
                step="any"
                value={draft.threshold}
                onChange={(e) => set({ threshold: e.target.value })}
              />
            </div>
            <button
              type="button"
              className="btn"
              onClick={() => {
                try {
                  setCriteria([...criteria, criterionFromDraft(draft)]);
                  setDraft({ ...emptyDraft, type: draft.type });
                  setDraftError(undefined);
                } catch (error) {
                  setDraftError((error as Error).message);
                }
              }}
            >
              Add criterion
            </button>
          </div>
          {draftError ? <span className="field-error">{draftError}</span> : null}

          <h3 style={{ margin: 0, fontSize: 14 }}>Reference cases</h3>
          {cases.length === 0 ? (
            <p className="muted" style={{ margin: 0 }}>
              No reference cases.
            </p>
          ) : null}
          <ul style={{ margin: 0 }} aria-label="Reference cases">
            {cases.map((c, i) => (
              <li key={c.id ?? `new-${i}`}>
                <strong>{c.name}</strong> <code>{JSON.stringify(c.variables)}</code>
                {c.expected ? ` → “${c.expected.slice(0, 80)}”` : ''}{' '}
                <button
                  type="button"
                  className="btn btn-sm"
                  aria-label={`Remove case ${c.name}`}
                  onClick={() => {
                    setSaved(false);
                    setCases(cases.filter((_, n) => n !== i));
                  }}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
          <div className="criterion-row">
            <div className="field">
              <label htmlFor="case-name">Case name</label>
              <input
                id="case-name"
                type="text"
                value={caseDraft.name}
                onChange={(e) => setCaseDraft({ ...caseDraft, name: e.target.value })}
              />
            </div>
            <div className="field" style={{ flex: '1 1 200px' }}>
              <label htmlFor="case-variables">Variables (JSON)</label>
              <input
                id="case-variables"
                type="text"
                value={caseDraft.variables}
                onChange={(e) => setCaseDraft({ ...caseDraft, variables: e.target.value })}
              />
            </div>
            <div className="field" style={{ flex: '1 1 200px' }}>
              <label htmlFor="case-expected">Expected answer</label>
              <input
                id="case-expected"
                type="text"
                value={caseDraft.expected}
                onChange={(e) => setCaseDraft({ ...caseDraft, expected: e.target.value })}
              />
            </div>
            <button
              type="button"
              className="btn"
              onClick={() => {
                let variables: Record<string, unknown>;
                try {
                  variables = JSON.parse(caseDraft.variables || '{}') as Record<string, unknown>;
                } catch {
                  setCaseError('The variables are not valid JSON.');
                  return;
                }
                setSaved(false);
                setCases([...cases, { name: caseDraft.name, variables, expected: caseDraft.expected }]);
                setCaseDraft({ name: '', variables: '{}', expected: '' });
                setCaseError(undefined);
              }}
            >
              Add case
            </button>
          </div>
          {caseError ? <span className="field-error">{caseError}</span> : null}
        </fieldset>
        <ErrorBanner error={save.error} />
        {canEdit ? (
          <div style={{ display: 'flex', gap: 12, alignItems: 'center' }}>
            <button type="submit" className="btn btn-primary" disabled={save.isPending}>
              Save benchmark
            </button>
            {saved ? <span role="status">Saved.</span> : null}
          </div>
        ) : null}
      </form>
    </section>
  );
}

function summary(c: Record<string, unknown> | Criterion): string {
  const v = c as Record<string, unknown>;
  const parts = ['value', 'pattern', 'path', 'rubric', 'reference', 'unit']
    .filter((k) => v[k] !== undefined)
    .map((k) => `${k}: ${String(v[k]).slice(0, 60)}`);
  for (const k of ['min', 'max', 'maxMs']) if (v[k] !== undefined) parts.push(`${k} ${String(v[k])}`);
  return parts.join(', ');
}
