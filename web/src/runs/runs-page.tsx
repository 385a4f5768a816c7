import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useAgents } from '../agents/use-agents.ts';
import { api } from '../shell/api-client.ts';
import type { BulkResult, RunSummary } from '../shell/api-types.ts';
import { ConfirmDialog } from '../shell/confirm-dialog.tsx';
import { EmptyState, ErrorBanner } from '../shell/empty-state.tsx';
import { formatTime, timeAgo } from '../shell/format-time.ts';
import { roleCan } from '../shell/permissions.ts';
import { runsRoute } from '../shell/router.tsx';
import { StatusBadge } from '../shell/status-badge.tsx';
import { useMe } from '../shell/use-me.ts';
import { DuplicateDialog } from './duplicate-dialog.tsx';
import { type RunsSearch, runStatusOptions, triggerOptions } from './runs-search.ts';
import { useRuns } from './use-runs.ts';

type BulkAction = 'archive' | 'unarchive' | 'cancel' | 'delete';
type RowResult = BulkResult['results'][number];

const bulkLabels: Record<BulkAction, { verb: string; done: string }> = {
  archive: { verb: 'Archive', done: 'archived' },
  unarchive: { verb: 'Unarchive', done: 'unarchived' },
  cancel: { verb: 'Cancel', done: 'canceled' },
  delete: { verb: 'Delete', done: 'deleted' },
};

/** The run list (L1–L4): search, filters, a virtualized table over cursor pages, bulk actions. */
export function RunsPage() {
  const search = runsRoute.useSearch();
  const navigate = useNavigate({ from: '/runs' });
  const me = useMe();
  const role = me.data?.role;
  const canSelect = roleCan(role, 'runs.archive') || roleCan(role, 'runs.cancel');
  const runs = useRuns(search);
  const rows = useMemo(() => runs.data?.pages.flatMap((p) => p.items) ?? [], [runs.data]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [allMatching, setAllMatching] = useState(false);
  const [results, setResults] = useState<Map<string, RowResult>>(new Map());
  const [summary, setSummary] = useState<string>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [duplicateOf, setDuplicateOf] = useState<string>();
  const queryClient = useQueryClient();

  const setSearch = (patch: Partial<RunsSearch>) => {
    setSelected(new Set());
    setAllMatching(false);
    void navigate({ search: (prev) => ({ ...prev, ...patch }), replace: true });
  };

  const bulk = useMutation({
    mutationFn: (action: BulkAction) =>
      api<BulkResult>(
        'POST',
        '/api/runs/bulk',
        allMatching
          ? {
              action,
              filter: {
                q: search.q,
                agentId: search.agentId,
                status: search.status,
                trigger: search.trigger,
                archived: search.archived === 'true',
              },
            }
          : { action, ids: [...selected] },
      ),
    onSuccess: (data, action) => {
      setResults(new Map(data.results.map((r) => [r.id, r])));
      const ok = data.results.filter((r) => r.ok).length;
      const refused = data.results.length - ok;
      setSummary(
        `${ok} ${ok === 1 ? 'run' : 'runs'} ${bulkLabels[action].done}${refused ? `, ${refused} refused (see each row)` : ''}.`,
      );
      setSelected(new Set(data.results.filter((r) => !r.ok).map((r) => r.id)));
      setAllMatching(false);
      void queryClient.invalidateQueries({ queryKey: ['runs'] });
    },
  });

  const allLoadedSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const toggleAll = () => {
    setAllMatching(false);
    setSelected(allLoadedSelected ? new Set() : new Set(rows.map((r) => r.id)));
  };
  const toggle = (id: string) => {
    setAllMatching(false);
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  };
  const filtered = Boolean(search.q || search.agentId || search.status || search.trigger || search.archived);
  const selectionCount = allMatching ? 'All matching' : `${selected.size} selected`;

  return (
    <div className="page">
      <header className="page-header">
        <div className="title">
          <h1>Runs</h1>
          <p className="subtitle" style={{ margin: 0 }}>
            Every execution of your agents, newest first.
          </p>
        </div>
        <div className="actions">
          {roleCan(role, 'runs.start') ? (
            <Link to="/agents" className="btn btn-primary">
              Run an agent
            </Link>
          ) : null}
        </div>
      </header>

      <Filters search={search} onChange={setSearch} />

      {selected.size > 0 || allMatching ? (
        <section className="bulkbar" aria-label="Bulk actions">
          <span className="count" aria-live="polite">
            {selectionCount}
            {allLoadedSelected && !allMatching && runs.hasNextPage ? (
              <button type="button" className="btn btn-ghost btn-sm" onClick={() => setAllMatching(true)}>
                Select every run matching this filter
              </button>
            ) : null}
          </span>
          {roleCan(role, 'runs.archive') ? (
            <>
              <button
                type="button"
                className="btn btn-sm"
                onClick={() => bulk.mutate('archive')}
                disabled={bulk.isPending}
              >
                Archive
              </button>
              <button
                type="button"
                className="btn btn-sm"
                onClick={() => bulk.mutate('unarchive')}
                disabled={bulk.isPending}
              >
                Unarchive
              </button>
            </>
          ) : null}
          {roleCan(role, 'runs.cancel') ? (
            <button
              type="button"
              className="btn btn-sm"
              onClick={() => bulk.mutate('cancel')}
              disabled={bulk.isPending}
            >
              Cancel runs
            </button>
          ) : null}
          {roleCan(role, 'runs.delete') ? (
            <button
              type="button"
              className="btn btn-sm btn-danger"
              onClick={() => setConfirmDelete(true)}
              disabled={bulk.isPending}
            >
              Delete
            </button>
          ) : null}
          <button
            type="button"
            className="btn btn-sm btn-ghost"
            onClick={() => {
              setSelected(new Set());
              setAllMatching(false);
            }}
          >
            Clear
          </button>
        </section>
      ) : null}
      {summary ? (
        <div className="banner" role="status">
          <span style={{ flex: 1 }}>{summary}</span>
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            onClick={() => {
              setSummary(undefined);
              setResults(new Map());
            }}
          >
            Dismiss
          </button>
        </div>
      ) : null}
      <ErrorBanner error={runs.error ?? bulk.error} />

      <div className="card runs-table">
        {runs.isPending ? (
          <div className="empty" aria-busy="true">
            Loading runs…
          </div>
        ) : rows.length === 0 ? (
          filtered ? (
            <EmptyState
              title="No runs match"
              action={
                <button type="button" className="btn" onClick={() => setSearch(clearedSearch)}>
                  Clear filters
                </button>
              }
            >
              Try another search term or fewer filters.
            </EmptyState>
          ) : (
            <EmptyState
              title="No runs yet"
              action={
                <Link to="/agents" className="btn btn-primary">
                  Choose an agent to run
                </Link>
              }
            >
              A run is one execution of an agent. Start one from an agent, the CLI or the API.
            </EmptyState>
          )
        ) : (
          <RunsTable
            rows={rows}
            canSelect={canSelect}
            canDuplicate={roleCan(role, 'runs.start')}
            selected={selected}
            allMatching={allMatching}
            allLoadedSelected={allLoadedSelected}
            results={results}
            onToggle={toggle}
            onToggleAll={toggleAll}
            onDuplicate={setDuplicateOf}
            hasNextPage={runs.hasNextPage}
            fetchingNext={runs.isFetchingNextPage}
            fetchNext={() => void runs.fetchNextPage()}
          />
        )}
      </div>

      <ConfirmDialog
        open={confirmDelete}
        title={
          allMatching
            ? 'Delete every matching run?'
            : `Delete ${selected.size} ${selected.size === 1 ? 'run' : 'runs'}?`
        }
        description="Deleted runs and their step outputs cannot be restored. Runs that policy protects are refused one by one."
        keepLabel="Keep them"
        confirmLabel="Delete"
        onClose={() => setConfirmDelete(false)}
        onConfirm={() => bulk.mutate('delete')}
      />
      {duplicateOf ? <DuplicateDialog runId={duplicateOf} onClose={() => setDuplicateOf(undefined)} /> : null}
    </div>
  );
}

const clearedSearch: RunsSearch = {
  q: undefined,
  agentId: undefined,
  status: undefined,
  trigger: undefined,
  archived: undefined,
};

function Filters({ search, onChange }: { search: RunsSearch; onChange(patch: Partial<RunsSearch>): void }) {
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

const ROW_HEIGHT_PX = 52;
const NARROW_ROW_HEIGHT_PX = 76;

function RunsTable(props: {
  rows: RunSummary[];
  canSelect: boolean;
  canDuplicate: boolean;
  selected: Set<string>;
  allMatching: boolean;
  allLoadedSelected: boolean;
  results: Map<string, RowResult>;
  onToggle(id: string): void;
  onToggleAll(): void;
  onDuplicate(id: string): void;
  hasNextPage: boolean;
  fetchingNext: boolean;
  fetchNext(): void;
}) {
  const { rows, hasNextPage, fetchingNext, fetchNext } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const narrow = typeof window !== 'undefined' && window.matchMedia('(max-width: 760px)').matches;
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => (narrow ? NARROW_ROW_HEIGHT_PX : ROW_HEIGHT_PX),
    overscan: 12,
    getItemKey: (index) => rows[index]?.id ?? index,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? 0;
  // Fetch the next cursor page while the user is still 40 rows away from the end.
  useEffect(() => {
    if (hasNextPage && !fetchingNext && lastIndex >= rows.length - 40) fetchNext();
  }, [lastIndex, rows.length, hasNextPage, fetchingNext, fetchNext]);

  return (
    <>
      <div
        className="runs-scroll"
        ref={scrollRef}
        role="table"
        aria-label="Runs"
        aria-rowcount={hasNextPage ? -1 : rows.length + 1}
        data-testid="runs-table"
      >
        <div className="runs-row runs-head" role="row" aria-rowindex={1}>
          <div className="c-sel" role="columnheader">
            {props.canSelect ? (
              <input
                type="checkbox"
                aria-label="Select all loaded runs"
                checked={props.allLoadedSelected || props.allMatching}
                onChange={props.onToggleAll}
              />
            ) : null}
          </div>
          <div role="columnheader">Name</div>
          <div role="columnheader">Status</div>
          <div role="columnheader">Last updated</div>
          <div role="columnheader">Last completed</div>
          <div role="columnheader" className="num">
            Steps
          </div>
          <div role="columnheader" className="num">
            Sites
          </div>
          <div role="columnheader">
            <span className="visually-hidden">Actions</span>
          </div>
        </div>
        <div
          className="runs-body"
          role="rowgroup"
          style={{ height: virtualizer.getTotalSize(), position: 'relative' }}
        >
          {items.map((item) => {
            const run = rows[item.index];
            if (!run) return null;
            const result = props.results.get(run.id);
            const isSelected = props.allMatching || props.selected.has(run.id);
            return (
              <div
                key={item.key}
                className="runs-row"
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={props.canSelect ? isSelected : undefined}
                data-index={item.index}
                data-run-id={run.id}
                ref={virtualizer.measureElement}
                style={{
                  position: 'absolute',
                  top: 0,
                  left: 0,
                  right: 0,
                  transform: `translateY(${item.start}px)`,
                }}
              >
                <div className="c-sel" role="cell">
                  {props.canSelect ? (
                    <input
                      type="checkbox"
                      aria-label={`Select ${run.name}`}
                      checked={isSelected}
                      onChange={() => props.onToggle(run.id)}
                    />
                  ) : null}
                </div>
                <div className="c-name run-name" role="cell">
                  <Link to="/runs/$runId" params={{ runId: run.id }} title={run.name}>
                    {run.name}
                  </Link>
                  <span className="sub">
                    {result ? (
                      <span className={`row-result ${result.ok ? 'ok' : 'err'}`} role="status">
                        {result.ok ? `✓ ${result.status}` : `✕ ${result.error.message}`}
                      </span>
                    ) : (
                      <>
                        {run.statusText}
                        {run.archived ? ' · archived' : ''}
                      </>
                    )}
                  </span>
                </div>
                <div className="c-status" role="cell">
                  <StatusBadge status={run.status} />
                </div>
                <div className="c-updated" role="cell" title={formatTime(run.updatedAt)}>
                  {timeAgo(run.updatedAt)}
                </div>
                <div className="c-completed" role="cell" title={formatTime(run.lastCompletedAt)}>
                  {timeAgo(run.lastCompletedAt)}
                </div>
                <div className="c-steps num" role="cell">
                  {run.stepCount}
                </div>
                <div className="c-sites num" role="cell">
                  {run.siteIds.length}
                </div>
                <div className="c-actions row-actions" role="cell">
                  {props.canDuplicate ? (
                    <button
                      type="button"
                      className="btn btn-ghost btn-sm"
                      aria-label={`Duplicate ${run.name}`}
                      title="Duplicate"
                      onClick={() => props.onDuplicate(run.id)}
                    >
                      Duplicate
                    </button>
                  ) : null}
                </div>
              </div>
            );
          })}
        </div>
      </div>
      <div className="runs-foot" aria-live="polite">
        <span>
          {rows.length.toLocaleString()} {rows.length === 1 ? 'run' : 'runs'} loaded
          {hasNextPage ? ' · scroll for more' : ''}
        </span>
        {fetchingNext ? <span>Loading more…</span> : null}
      </div>
    </>
  );
}
