import type { Role } from '../shell/api-types.ts';
import { roleCan } from '../shell/permissions.ts';
import type { RunSelection } from './use-run-selection.ts';

/** The bar over the run list while rows are selected: the bulk actions the role may take. */
export function RunsBulkBar({
  selection,
  role,
  hasNextPage,
  onDelete,
}: {
  selection: RunSelection;
  role: Role | undefined;
  hasNextPage: boolean;
  /** Deleting asks first; the page owns that question. */
  onDelete(): void;
}) {
  const { selected, allMatching, allLoadedSelected, bulk } = selection;
  if (selected.size === 0 && !allMatching) return null;
  return (
    <section className="bulkbar" aria-label="Bulk actions">
      <span className="count" aria-live="polite">
        {allMatching ? 'All matching' : `${selected.size} selected`}
        {allLoadedSelected && !allMatching && hasNextPage ? (
          <button type="button" className="btn btn-ghost btn-sm" onClick={selection.selectAllMatching}>
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
        <button type="button" className="btn btn-sm btn-danger" onClick={onDelete} disabled={bulk.isPending}>
          Delete
        </button>
      ) : null}
      <button type="button" className="btn btn-sm btn-ghost" onClick={selection.clear}>
        Clear
      </button>
    </section>
  );
}
