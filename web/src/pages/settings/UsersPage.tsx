import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { api, fetchAllPages, type Page } from '../../api/client.ts';
import { useTeams, useUsers } from '../../api/hooks.ts';
import type { Role, User, UserStatus } from '../../api/types.ts';
import { ROLE_LABELS, ROLES } from '../../api/types.ts';
import { StatusBadge } from '../../components/Badges.tsx';
import { type Column, DataTable, Pager } from '../../components/DataTable.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { ExportButton } from '../../components/ExportButton.tsx';
import { SelectField, TextField } from '../../components/Form.tsx';
import { useNotify } from '../../components/Notice.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { ErrorState, FormError, LoadingState } from '../../components/States.tsx';
import { DASH, formatDate, titleCase } from '../../lib/format.ts';
import { useCursorPaging, useUrlFilters } from '../../lib/url-state.ts';

const STATUSES: readonly UserStatus[] = ['active', 'away', 'inactive'];
const STATUS_TONE = { active: 'good', away: 'warn', inactive: 'neutral' } as const;

interface UserDraft {
  email: string;
  name: string;
  role: Role;
  team_id: string;
  manager_id: string;
  status: UserStatus;
  capacity: string;
  password: string;
}

function draftOf(user: User | null): UserDraft {
  return {
    email: user?.email ?? '',
    name: user?.name ?? '',
    role: user?.role ?? 'sdr',
    team_id: user?.team_id ? String(user.team_id) : '',
    manager_id: user?.manager_id ? String(user.manager_id) : '',
    status: user?.status ?? 'active',
    capacity: user?.capacity === null || user?.capacity === undefined ? '' : String(user.capacity),
    password: '',
  };
}

function UserForm({ user, onDone }: { user: User | null; onDone: () => void }) {
  const queryClient = useQueryClient();
  const notify = useNotify();
  const teams = useTeams();
  const users = useUsers();
  const [draft, setDraft] = useState<UserDraft>(() => draftOf(user));
  const set = (patch: Partial<UserDraft>) => setDraft((current) => ({ ...current, ...patch }));

  const save = useMutation({
    mutationFn: () => {
      const body: Record<string, unknown> = {
        email: draft.email.trim(),
        name: draft.name.trim(),
        role: draft.role,
        team_id: draft.team_id ? Number(draft.team_id) : null,
        manager_id: draft.manager_id ? Number(draft.manager_id) : null,
        status: draft.status,
        capacity: draft.capacity === '' ? null : Number(draft.capacity),
      };
      if (draft.password) body.password = draft.password;
      return user
        ? api<User>(`/users/${user.id}`, { method: 'PATCH', body })
        : api<User>('/users', { method: 'POST', body });
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: ['users'] });
      void queryClient.invalidateQueries({ queryKey: ['teams'] });
      notify(user ? `Saved ${saved.name}` : `Added ${saved.name}`);
      onDone();
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }

  return (
    <form onSubmit={submit} className="form-grid">
      <TextField
        label="Name"
        required
        value={draft.name}
        onChange={(event) => set({ name: event.target.value })}
      />
      <TextField
        label="Email"
        type="email"
        required
        value={draft.email}
        onChange={(event) => set({ email: event.target.value })}
      />
      <SelectField
        label="Role"
        value={draft.role}
        onChange={(event) => set({ role: event.target.value as Role })}
        options={ROLES.map((role) => ({ value: role, label: ROLE_LABELS[role] }))}
      />
      <SelectField
        label="Status"
        value={draft.status}
        onChange={(event) => set({ status: event.target.value as UserStatus })}
        options={STATUSES.map((status) => ({ value: status, label: titleCase(status) }))}
        hint="Away and inactive users get no new leads."
      />
      <SelectField
        label="Team"
        placeholder="No team"
        value={draft.team_id}
        onChange={(event) => set({ team_id: event.target.value })}
        options={(teams.data ?? []).map((team) => ({ value: String(team.id), label: team.name }))}
      />
      <SelectField
        label="Manager"
        placeholder="No manager"
        value={draft.manager_id}
        onChange={(event) => set({ manager_id: event.target.value })}
        options={(users.data ?? [])
          .filter((candidate) => candidate.id !== user?.id)
          .map((candidate) => ({ value: String(candidate.id), label: candidate.name }))}
      />
      <TextField
        label="Capacity (open leads)"
        type="number"
        min={0}
        value={draft.capacity}
        onChange={(event) => set({ capacity: event.target.value })}
        hint="Empty for no limit."
      />
      <TextField
        label={user ? 'New password' : 'Password'}
        type="password"
        autoComplete="new-password"
        minLength={8}
        value={draft.password}
        onChange={(event) => set({ password: event.target.value })}
        hint={
          user
            ? 'Leave empty to keep the current one.'
            : 'At least 8 characters; without one the user cannot sign in.'
        }
      />
      {save.isError ? <FormError error={save.error} /> : null}
      <div className="button-row form-grid-full">
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          {user ? 'Save' : 'Add user'}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export default function UsersPage() {
  usePageTitle('Users & roles');
  const filters = useUrlFilters(['q', 'role', 'team_id', 'status'] as const);
  const paging = useCursorPaging();
  const teams = useTeams();
  const allUsers = useUsers();
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const query = { ...filters.values };

  const users = useQuery({
    queryKey: ['users', 'page', query, paging.cursor],
    queryFn: ({ signal }) =>
      api<Page<User>>('/users', { query: { ...query, limit: 50, cursor: paging.cursor }, signal }),
    placeholderData: keepPreviousData,
  });

  const teamNames = new Map((teams.data ?? []).map((team) => [team.id, team.name]));
  const userNames = new Map((allUsers.data ?? []).map((user) => [user.id, user.name]));
  const columns: Column<User>[] = [
    { key: 'name', header: 'Name', cell: (user) => <strong>{user.name}</strong>, csv: (user) => user.name },
    { key: 'email', header: 'Email', cell: (user) => user.email, csv: (user) => user.email },
    { key: 'role', header: 'Role', cell: (user) => ROLE_LABELS[user.role], csv: (user) => user.role },
    {
      key: 'team',
      header: 'Team',
      cell: (user) => (user.team_id ? (teamNames.get(user.team_id) ?? DASH) : DASH),
      csv: (user) => (user.team_id ? (teamNames.get(user.team_id) ?? user.team_id) : ''),
    },
    {
      key: 'manager',
      header: 'Manager',
      cell: (user) => (user.manager_id ? (userNames.get(user.manager_id) ?? DASH) : DASH),
      csv: (user) => (user.manager_id ? (userNames.get(user.manager_id) ?? user.manager_id) : ''),
    },
    {
      key: 'status',
      header: 'Status',
      cell: (user) => <StatusBadge tone={STATUS_TONE[user.status]}>{titleCase(user.status)}</StatusBadge>,
      csv: (user) => user.status,
    },
    {
      key: 'capacity',
      header: 'Capacity',
      align: 'right',
      cell: (user) => user.capacity ?? 'No limit',
      csv: (user) => user.capacity,
    },
    {
      key: 'leads',
      header: 'Leads',
      align: 'right',
      cell: (user) =>
        user.role === 'sales' || user.role === 'sdr' ? (
          <Link to={`/leads?owner_id=${user.id}`}>Open leads</Link>
        ) : (
          DASH
        ),
    },
    {
      key: 'sign_in',
      header: 'Can sign in',
      cell: (user) => (user.has_password ? 'Yes' : 'API only'),
      csv: (user) => user.has_password,
    },
    {
      key: 'created',
      header: 'Added',
      cell: (user) => formatDate(user.created_at),
      csv: (user) => user.created_at,
    },
    {
      key: 'edit',
      header: 'Actions',
      cell: (user) => (
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setEditing(user)}
          aria-label={`Edit ${user.name}`}
        >
          Edit
        </button>
      ),
    },
  ];

  return (
    <>
      <PageHeader
        title="Users & roles"
        description="Who can sign in, what they may do, and who gets leads."
        actions={
          <>
            <ExportButton
              filename="tandem-users"
              columns={columns}
              fetchRows={async (onProgress) =>
                (await fetchAllPages<User>('/users', query, { onProgress })).items
              }
            />
            <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
              Add user
            </button>
          </>
        }
      />
      <form className="filters card" aria-label="User filters" onSubmit={(event) => event.preventDefault()}>
        <TextField
          label="Search"
          type="search"
          placeholder="Name or email"
          defaultValue={filters.values.q}
          key={filters.values.q}
          onKeyDown={(event) => {
            if (event.key === 'Enter') filters.set({ q: event.currentTarget.value.trim() });
          }}
          onBlur={(event) => {
            if (event.currentTarget.value.trim() !== filters.values.q)
              filters.set({ q: event.currentTarget.value.trim() });
          }}
        />
        <SelectField
          label="Role"
          placeholder="Any role"
          value={filters.values.role}
          onChange={(event) => filters.set({ role: event.target.value })}
          options={ROLES.map((role) => ({ value: role, label: ROLE_LABELS[role] }))}
        />
        <SelectField
          label="Team"
          placeholder="Any team"
          value={filters.values.team_id}
          onChange={(event) => filters.set({ team_id: event.target.value })}
          options={(teams.data ?? []).map((team) => ({ value: String(team.id), label: team.name }))}
        />
        <SelectField
          label="Status"
          placeholder="Any status"
          value={filters.values.status}
          onChange={(event) => filters.set({ status: event.target.value })}
          options={STATUSES.map((status) => ({ value: status, label: titleCase(status) }))}
        />
      </form>
      {users.isPending ? (
        <LoadingState label="Loading users" />
      ) : users.isError ? (
        <ErrorState error={users.error} title="Could not load the users" retry={() => void users.refetch()} />
      ) : (
        <section className="card">
          <DataTable
            caption="Users"
            columns={columns}
            rows={users.data.items}
            rowKey={(user) => user.id}
            empty="No user matches."
          />
          <Pager
            pageNumber={paging.pageNumber}
            hasPrevious={paging.hasPrevious}
            hasNext={users.data.next_cursor !== null}
            onPrevious={paging.previousPage}
            onNext={() => users.data.next_cursor && paging.nextPage(users.data.next_cursor)}
            shown={users.data.items.length}
          />
        </section>
      )}
      <Dialog
        open={editing !== null}
        title={editing === 'new' ? 'Add a user' : editing ? `Edit ${editing.name}` : ''}
        onClose={() => setEditing(null)}
      >
        {editing !== null ? (
          <UserForm
            key={editing === 'new' ? 'new' : editing.id}
            user={editing === 'new' ? null : editing}
            onDone={() => setEditing(null)}
          />
        ) : null}
      </Dialog>
    </>
  );
}
