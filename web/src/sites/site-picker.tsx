import type { ApiError } from '../shell/api-client.ts';
import { useSites } from './use-sites.ts';

/**
 * Choose Sites by name (the agent editor's default Sites): a checkbox per Site. An id the list
 * does not know (an archived or deleted Site) stays visible so it can be removed.
 */
export function SitePicker({
  value,
  onChange,
  error,
  disabled,
}: {
  value: string[];
  onChange(ids: string[]): void;
  error: ApiError | null;
  disabled: boolean;
}) {
  const sites = useSites();
  const known = new Set(sites.data?.items.map((s) => s.id));
  const unknown = value.filter((id) => sites.data && !known.has(id));
  const message = error?.fieldMessage('siteIds');
  const toggle = (id: string, on: boolean) => onChange(on ? [...value, id] : value.filter((v) => v !== id));
  return (
    <fieldset
      className="plain-fieldset field"
      data-path="siteIds"
      aria-describedby={message ? 'f-siteIds-error' : 'f-siteIds-hint'}
    >
      <legend className="field-legend">Default Sites</legend>
      {sites.isPending ? <span className="muted">Loading Sites…</span> : null}
      {sites.data && sites.data.items.length === 0 ? (
        <span className="muted">No Sites yet: create one under Sites to give this agent documents.</span>
      ) : null}
      <div className="check-row">
        {sites.data?.items.map((site) => (
          <label key={site.id} className="check">
            <input
              type="checkbox"
              disabled={disabled}
              checked={value.includes(site.id)}
              onChange={(e) => toggle(site.id, e.target.checked)}
            />{' '}
            {site.name} <span className="muted">({site.documentCount})</span>
          </label>
        ))}
        {unknown.map((id) => (
          <label key={id} className="check">
            <input type="checkbox" disabled={disabled} checked onChange={() => toggle(id, false)} />{' '}
            <code>{id}</code> <span className="muted">(archived or not found)</span>
          </label>
        ))}
      </div>
      <span className="hint" id="f-siteIds-hint">
        Runs search these Sites unless the run picks others; steps cite them with {'{{ sources }}'}.
      </span>
      {message ? (
        <span className="field-error" id="f-siteIds-error">
          {message}
        </span>
      ) : null}
    </fieldset>
  );
}
