import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../shell/api-client.ts';
import type { BulkResult, RunSummary } from '../shell/api-types.ts';
import type { RunsSearch } from './runs-search.ts';
import type { RowResult } from './runs-table.tsx';

export type BulkAction = 'archive' | 'unarchive' | 'cancel' | 'delete';

export const bulkLabels: Record<BulkAction, { verb: string; done: string }> = {
  archive: { verb: 'Archive', done: 'archived' },
  unarchive: { verb: 'Unarchive', done: 'unarchived' },
  cancel: { verb: 'Cancel', done: 'canceled' },
  delete: { verb: 'Delete', done: 'deleted' },
};

/**
 * The rows selected in the run list (or every run matching the filter) and the bulk action on
 * them: `POST /api/runs/bulk` answers per run, so refused rows stay selected with their reason.
 */
export function useRunSelection(search: RunsSearch, rows: RunSummary[]) {
  const queryClient = useQueryClient();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [allMatching, setAllMatching] = useState(false);
  const [results, setResults] = useState<Map<string, RowResult>>(new Map());
  const [summary, setSummary] = useState<string>();

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
  return {
    selected,
    allMatching,
    allLoadedSelected,
    results,
    summary,
    bulk,
    selectAllMatching: () => setAllMatching(true),
    clear: () => {
      setSelected(new Set());
      setAllMatching(false);
    },
    dismissSummary: () => {
      setSummary(undefined);
      setResults(new Map());
    },
    toggleAll: () => {
      setAllMatching(false);
      setSelected(allLoadedSelected ? new Set() : new Set(rows.map((r) => r.id)));
    },
    toggle: (id: string) => {
      setAllMatching(false);
      setSelected((prev) => {
        const next = new Set(prev);
        if (next.has(id)) next.delete(id);
        else next.add(id);
        return next;
      });
    },
  };
}

export type RunSelection = ReturnType<typeof useRunSelection>;
