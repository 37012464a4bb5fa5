import { useQuery } from '@tanstack/react-query';
import { api, fetchAllPages } from './client.ts';
import type { Team, User } from './types.ts';

/** Every user of the workspace (owner names, pickers); small enough to keep in memory. */
export function useUsers() {
  return useQuery({
    queryKey: ['users', 'all'],
    queryFn: async () => (await fetchAllPages<User>('/users', {})).items,
    staleTime: 5 * 60_000,
  });
}

export function useUserNames(): Map<number, string> {
  const users = useUsers();
  const names = new Map<number, string>();
  for (const user of users.data ?? []) names.set(user.id, user.name);
  return names;
}

export function useTeams() {
  return useQuery({
    queryKey: ['teams'],
    queryFn: async () => (await api<{ items: Team[] }>('/teams')).items,
    staleTime: 5 * 60_000,
  });
}
