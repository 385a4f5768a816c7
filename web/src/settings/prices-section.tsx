import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ApiError, api } from '../shell/api-client.ts';
import type { PriceEntry, PriceTable } from '../shell/api-types.ts';
import { ErrorBanner } from '../shell/empty-state.tsx';
import { formatTime } from '../shell/format-time.ts';

const rateFields = [
  ['inputPerMillion', 'Input'],
  ['cachedInputPerMillion', 'Cached input'],
  ['outputPerMillion', 'Output'],
  ['reasoningPerMillion', 'Reasoning'],
] as const;
type RateField = (typeof rateFields)[number][0];

/** A row as the inputs hold it; unedited fields (tiers) ride along untouched. */
type Row = PriceEntry & { text: Partial<Record<RateField, string>> };

const toRows = (entries: PriceEntry[]): Row[] => entries.map((e) => ({ ...e, text: {} }));
const shown = (row: Row, field: RateField) =>
  row.text[field] ?? (row[field] === undefined ? '' : String(row[field]));

/** A row back to the API's shape: numbers where the text is one, the text itself so the server names it. */
function toEntry(row: Row): Record<string, unknown> {
  const { text, ...entry } = row;
  const out: Record<string, unknown> = { ...entry };
  for (const [field] of rateFields) {
    const value = text[field];
    if (value === undefined) continue;
    if (value.trim() === '') delete out[field];
    else out[field] = Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return out;
}

/**
 * Settings > Prices: US dollars per million tokens per model (or prefix, or `*`). Everyone reads
 * the table; administrators change it, and each save is a new version that later steps record.
 */
export function PricesSection({ canEdit }: { canEdit: boolean }) {
  const queryClient = useQueryClient();
  const table = useQuery({
    queryKey: ['prices'],
    queryFn: () => api<PriceTable>('GET', '/api/settings/prices'),
  });
  const [rows, setRows] = useState<Row[]>([]);
  const [note, setNote] = useState('');
  const [dirty, setDirty] = useState(false);
  const [saved, setSaved] = useState<number>();
  useEffect(() => {
    if (table.data && !dirty) setRows(toRows(table.data.entries));
  }, [table.data, dirty]);
  const save = useMutation({
    mutationFn: () => api<PriceTable>('PUT', '/api/settings/prices', { entries: rows.map(toEntry), note }),
    onSuccess: (next) => {
      queryClient.setQueryData(['prices'], next);
      setDirty(false);
      setNote('');
      setSaved(next.version);
    },
  });
  const edit = (i: number, patch: Partial<Row>) => {
    setDirty(true);
    setSaved(undefined);
    setRows(rows.map((r, j) => (j === i ? { ...r, ...patch, text: { ...r.text, ...patch.text } } : r)));
  };
  const issue = (i: number, field: string) =>
    save.error instanceof ApiError ? save.error.fieldMessage(`entries[${i}].${field}`) : undefined;

  return (
    <section className="card" id="prices" aria-labelledby="prices-title">
      <div className="card-header">
        <h2 id="prices-title">Prices</h2>
        <span className="muted" data-testid="price-version">
          {table.data
            ? table.data.version === 0
              ? 'Version 0 · shipped defaults'
              : `Version ${table.data.version} · ${formatTime(table.data.createdAt)}`
            : ''}
        </span>
      </div>
      <div className="card-body">
        <p className="muted" style={{ margin: 0 }}>
          US dollars per million tokens for a model id, a prefix (<code>openai/gpt-5</code>) or <code>*</code>
          : the longest match applies.
        </p>
        <ErrorBanner error={table.error} />
        <div className="table-scroll">
          <table className="simple price-table" aria-label="Price table">
            <thead>
              <tr>
                <th scope="col">Model</th>
                {rateFields.map(([field, label]) => (
                  <th key={field} scope="col" className="num">
                    {label}
                  </th>
                ))}
                {canEdit ? (
                  <th scope="col">
                    <span className="visually-hidden">Remove</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {rows.map((row, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; a new row has no identity yet
                <tr key={i}>
                  <td>
                    {canEdit ? (
                      <input
                        type="text"
                        aria-label={`Model of row ${i + 1}`}
                        aria-invalid={issue(i, 'model') ? true : undefined}
                        title={issue(i, 'model')}
                        value={row.model}
                        onChange={(e) => edit(i, { model: e.target.value })}
                      />
                    ) : (
                      <code>{row.model}</code>
                    )}
                  </td>
                  {rateFields.map(([field, label]) => (
                    <td key={field} className="num">
                      {canEdit ? (
                        <input
                          type="text"
                          inputMode="decimal"
                          className="rate-input"
                          aria-label={`${label} price of ${row.model || `row ${i + 1}`}`}
                          aria-invalid={issue(i, field) ? true : undefined}
                          title={issue(i, field)}
                          value={shown(row, field)}
                          onChange={(e) => edit(i, { text: { [field]: e.target.value } })}
                        />
                      ) : (
                        (row[field] ?? '—')
                      )}
                    </td>
                  ))}
                  {canEdit ? (
                    <td>
                      <button
                        type="button"
                        className="btn btn-sm btn-ghost"
                        aria-label={`Remove ${row.model || `row ${i + 1}`}`}
                        onClick={() => {
                          setDirty(true);
                          setRows(rows.filter((_, j) => j !== i));
                        }}
                      >
                        ✕
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {canEdit ? (
          <div className="toolbar">
            <button
              type="button"
              className="btn btn-sm"
              onClick={() => {
                setDirty(true);
                setRows([...rows, { model: '', inputPerMillion: 0, outputPerMillion: 0, text: {} }]);
              }}
            >
              Add price
            </button>
            <input
              type="text"
              aria-label="Note for this version"
              placeholder="What changed (optional)"
              value={note}
              style={{ flex: '1 1 200px' }}
              onChange={(e) => setNote(e.target.value)}
            />
            <button
              type="button"
              className="btn btn-primary btn-sm"
              disabled={!dirty || save.isPending}
              onClick={() => save.mutate()}
            >
              Save prices
            </button>
          </div>
        ) : null}
        {save.error ? (
          <div className="banner banner-error" role="alert">
            <div>
              <strong>Not saved.</strong> {save.error.message}
              {save.error instanceof ApiError && save.error.details.length > 0 ? (
                <ul style={{ margin: '4px 0 0', paddingLeft: 18 }}>
                  {save.error.details.map((d) => (
                    <li key={`${d.path}:${d.message}`}>
                      <code>{d.path}</code>: {d.message}
                    </li>
                  ))}
                </ul>
              ) : null}
            </div>
          </div>
        ) : null}
        {saved !== undefined && !dirty ? (
          <div className="banner" role="status">
            Saved as price version {saved}.
          </div>
        ) : null}
      </div>
    </section>
  );
}
