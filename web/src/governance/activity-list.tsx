import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, queryString } from '../shell/api-client.ts';
import type { ActivityItem } from '../shell/api-types.ts';
import { ErrorBanner } from '../shell/empty-state.tsx';
import { formatTime, timeAgo } from '../shell/format-time.ts';

/** Governance Activity: audit events and record seals, newest first, filtered; CSV of the same. */
export function ActivityList() {
  const [action, setAction] = useState('');
  const [actor, setActor] = useState('');
  const [filter, setFilter] = useState({ action: '', actor: '' });
  // Ask once the user pauses typing.
  useEffect(() => {
    const timer = setTimeout(() => setFilter({ action: action.trim(), actor: actor.trim() }), 250);
    return () => clearTimeout(timer);
  }, [action, actor]);
  const params = { action: filter.action || undefined, actor: filter.actor || undefined };
  const activity = useInfiniteQuery({
    queryKey: ['governance-activity', params],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      api<{ items: ActivityItem[]; nextCursor: string | null }>(
        'GET',
        `/api/governance/activity${queryString({ ...params, limit: 50, cursor: pageParam })}`,
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = activity.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="card" aria-labelledby="activity-title">
      <div className="card-header">
        <h2 id="activity-title">Activity</h2>
        <a
          className="btn btn-sm"
          href={`/api/governance/activity${queryString({ ...params, format: 'csv' })}`}
          download
        >
          Download CSV
        </a>
      </div>
      <div className="card-body">
        <search className="toolbar" aria-label="Filter activity">
          <input
            type="search"
            aria-label="Action"
            placeholder="Action: run.deleted or run.*"
            value={action}
            onChange={(e) => setAction(e.target.value)}
          />
          <input
            type="search"
            aria-label="Actor"
            placeholder="Actor (user id)"
            value={actor}
            onChange={(e) => setActor(e.target.value)}
          />
        </search>
        <ErrorBanner error={activity.error} />
        {activity.isPending ? <p className="muted">Loading activity…</p> : null}
        {activity.data && items.length === 0 ? <p className="muted">No activity matches.</p> : null}
        {items.length > 0 ? (
          <div className="table-scroll">
            <table className="simple" aria-label="Governance activity">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Target</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {items.map((item) => (
                  <tr key={item.id} data-action={item.action}>
                    <td title={formatTime(item.at)}>{timeAgo(item.at)}</td>
                    <td>
                      <code>{item.action}</code>
                    </td>
                    <td className="break">{item.actor}</td>
                    <td className="break">
                      <code>{item.target}</code>
                    </td>
                    <td className="break details-cell">
                      {Object.keys(item.details).length === 0 ? '—' : JSON.stringify(item.details)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {activity.hasNextPage ? (
          <div>
            <button
              type="button"
              className="btn btn-sm"
              disabled={activity.isFetchingNextPage}
              onClick={() => void activity.fetchNextPage()}
            >
              {activity.isFetchingNextPage ? 'Loading…' : 'Load older'}
            </button>
          </div>
        ) : null}
      </div>
    </section>
  );
}
