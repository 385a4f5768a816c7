import { type QueryKey, useMutation, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { ConfirmDialog } from './confirm-dialog.tsx';

/**
 * The delete half of a list section (providers, MCP servers, users): a Delete button asks first, the
 * answer runs `remove`, and the list under `queryKey` is fetched again. Render `dialog` once in the
 * section and show `error` in its banner.
 */
export function useConfirmedDelete<T>({
  remove,
  queryKey,
  title,
  description,
  confirmLabel,
  keepLabel = 'Keep it',
}: {
  remove(item: T): Promise<unknown>;
  queryKey: QueryKey;
  title(item: T): string;
  description: ReactNode;
  confirmLabel: string;
  keepLabel?: string;
}): { ask(item: T): void; dialog: ReactNode; error: Error | null } {
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState<{ item: T }>();
  const mutation = useMutation({
    mutationFn: remove,
    onSuccess: () => queryClient.invalidateQueries({ queryKey }),
  });
  const dialog = (
    <ConfirmDialog
      open={asking !== undefined}
      title={asking ? title(asking.item) : ''}
      description={description}
      keepLabel={keepLabel}
      confirmLabel={confirmLabel}
      onClose={() => setAsking(undefined)}
      onConfirm={() => asking && mutation.mutate(asking.item)}
    />
  );
  return { ask: (item) => setAsking({ item }), dialog, error: mutation.error };
}
