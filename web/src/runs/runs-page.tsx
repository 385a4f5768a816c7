import { Link, useNavigate } from '@tanstack/react-router';
import { useMemo, useState } from 'react';
import { ConfirmDialog } from '../shell/confirm-dialog.tsx';
import { EmptyState, ErrorBanner } from '../shell/empty-state.tsx';
import { roleCan } from '../shell/permissions.ts';
import { runsRoute } from '../shell/router.tsx';
import { useMe } from '../shell/use-me.ts';
import { DuplicateDialog } from './duplicate-dialog.tsx';
import { RunsBulkBar } from './runs-bulk-bar.tsx';
import { clearedSearch, RunsFilters } from './runs-filters.tsx';
import type { RunsSearch } from './runs-search.ts';
import { RunsTable } from './runs-table.tsx';
import { useRunSelection } from './use-run-selection.ts';
import { useRuns } from './use-runs.ts';

/** The run list (L1–L4): search, filters, a virtualized table over cursor pages, bulk actions. */
export function RunsPage() {
  const search = runsRoute.useSearch();
  const navigate = useNavigate({ from: '/runs' });
  const role = useMe().data?.role;
  const canSelect = roleCan(role, 'runs.archive') || roleCan(role, 'runs.cancel');
  const runs = useRuns(search);
  const rows = useMemo(() => runs.data?.pages.flatMap((p) => p.items) ?? [], [runs.data]);
  const selection = useRunSelection(search, rows);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [duplicateOf, setDuplicateOf] = useState<string>();

  const setSearch = (patch: Partial<RunsSearch>) => {
    selection.clear();
    void navigate({ search: (prev) => ({ ...prev, ...patch }), replace: true });
  };
  const filtered = Boolean(search.q || search.agentId || search.status || search.trigger || search.archived);
  const { selected, allMatching } = selection;

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

      <RunsFilters search={search} onChange={setSearch} />
      <RunsBulkBar
        selection={selection}
        role={role}
        hasNextPage={runs.hasNextPage}
        onDelete={() => setConfirmDelete(true)}
      />
      {selection.summary ? (
        <div className="banner" role="status">
          <span style={{ flex: 1 }}>{selection.summary}</span>
          <button type="button" className="btn btn-ghost btn-sm" onClick={selection.dismissSummary}>
            Dismiss
          </button>
        </div>
      ) : null}
      <ErrorBanner error={runs.error ?? selection.bulk.error} />

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
            allLoadedSelected={selection.allLoadedSelected}
            results={selection.results}
            onToggle={selection.toggle}
            onToggleAll={selection.toggleAll}
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
        onConfirm={() => selection.bulk.mutate('delete')}
      />
      {duplicateOf ? <DuplicateDialog runId={duplicateOf} onClose={() => setDuplicateOf(undefined)} /> : null}
    </div>
  );
}
