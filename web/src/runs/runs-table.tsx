import { Link } from '@tanstack/react-router';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import type { BulkResult, RunSummary } from '../shell/api-types.ts';
import { formatTime, timeAgo } from '../shell/format-time.ts';
import { StatusBadge } from '../shell/status-badge.tsx';

/** The outcome of a bulk action for one run, shown in its row. */
export type RowResult = BulkResult['results'][number];

const ROW_HEIGHT_PX = 52;
const NARROW_ROW_HEIGHT_PX = 76;

/**
 * The run list as a virtualized table (100,000 runs scroll smoothly): only the rows on screen are
 * in the DOM, and the next cursor page is fetched before the user reaches the end.
 */
export function RunsTable(props: {
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
