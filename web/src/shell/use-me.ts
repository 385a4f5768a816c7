import { useQuery } from '@tanstack/react-query';
import { api } from './api-client.ts';
import type { Me } from './api-types.ts';

/** Who is signed in; `null` when nobody is (the shell then shows Sign in). */
export function useMe() {
  return useQuery({
    queryKey: ['me'],
    queryFn: async (): Promise<Me | null> => {
      try {
        return await api<Me>('GET', '/api/me');
      } catch (error) {
        if ((error as { status?: number }).status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
  });
}
