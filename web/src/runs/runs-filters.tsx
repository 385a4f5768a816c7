import { useEffect, useState } from 'react';
import { useAgents } from '../agents/use-agents.ts';
import { type RunsSearch, runStatusOptions, triggerOptions } from './runs-search.ts';

/** The search with every filter off ("Clear filters"). */
export const clearedSearch: RunsSearch = {
  q: undefined,
  agentId: undefined,
  status: undefined,
  trigger: undefined,
  archived: undefined,
};

/** The search box (debounced) and the Agent, status, trigger and archived filters of the run list. */
export function RunsFilters({
  search,
  onChange,
}: {
  search: RunsSearch;
  onChange(patch: Partial<RunsSearch>): void;
}) {
  const agents = useAgents('all');
  const [q, setQ] = useState(search.q ?? '');
  // The box answers as the user types, but the list is asked once they pause.
  useEffect(() => {
    if ((search.q ?? '') === q) return;
    const timer = setTimeout(() => onChange({ q: q || undefined }), 250);
    return () => clearTimeout(timer);
  }, [q, search.q, onChange]);
  useEffect(() => setQ(search.q ?? ''), [search.q]);
  return (
    <search className="toolbar" aria-label="Filter runs">
      <input
        className="search"
        type="search"
        aria-label="Search runs by name or output"
        placeholder="Search names and outputs…"
        value={q}
        onChange={(e) => setQ(e.target.value)}
      />
      <select
        aria-label="Agent"
        value={search.agentId ?? ''}
        onChange={(e) => onChange({ agentId: e.target.value || undefined })}
      >
        <option value="">All agents</option>
        {agents.data?.items.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name}
          </option>
        ))}
      </select>
      <select
        aria-label="Status"
        value={search.status ?? ''}
        onChange={(e) => onChange({ status: (e.target.value || undefined) as RunsSearch['status'] })}
      >
        <option value="">Any status</option>
        {runStatusOptions.map((s) => (
          <option key={s} value={s}>
            {s[0]?.toUpperCase()}
            {s.slice(1)}
          </option>
        ))}
      </select>
      <select
        aria-label="Trigger"
        value={search.trigger ?? ''}
        onChange={(e) => onChange({ trigger: e.target.value || undefined })}
      >
        <option value="">Any trigger</option>
        {triggerOptions.map((t) => (
          <option key={t} value={t}>
            {t[0]?.toUpperCase()}
            {t.slice(1)}
          </option>
        ))}
      </select>
      <select
        aria-label="Archived"
        value={search.archived ?? ''}
        onChange={(e) => onChange({ archived: (e.target.value || undefined) as RunsSearch['archived'] })}
      >
        <option value="">Active runs</option>
        <option value="true">Archived runs</option>
        <option value="all">Active and archived</option>
      </select>
    </search>
  );
}
