import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client.ts';
import { useTeams, useUsers } from '../../api/hooks.ts';
import type { Team } from '../../api/types.ts';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { ExportButton } from '../../components/ExportButton.tsx';
import { SelectField, TextField } from '../../components/Form.tsx';
import { useNotify } from '../../components/Notice.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { ErrorState, FormError, LoadingState } from '../../components/States.tsx';
import { DASH, formatDate } from '../../lib/format.ts';

function TeamForm({ team, onDone }: { team: Team | null; onDone: () => void }) {
  const queryClient = useQueryClient();
  const notify = useNotify();
  const users = useUsers();
  const [name, setName] = useState(team?.name ?? '');
  const [managerId, setManagerId] = useState(team?.manager_id ? String(team.manager_id) : '');
  const save = useMutation({
    mutationFn: () => {
      const body = { name: name.trim(), manager_id: managerId ? Number(managerId) : null };
      return team
        ? api<Team>(`/teams/${team.id}`, { method: 'PATCH', body })
        : api<Team>('/teams', { method: 'POST', body });
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: ['teams'] });
      notify(team ? `Saved ${saved.name}` : `Added ${saved.name}`);
      onDone();
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }
  return (
    <form onSubmit={submit} className="stack">
      <TextField label="Team name" required value={name} onChange={(event) => setName(event.target.value)} />
      <SelectField
        label="Manager"
        placeholder="No manager"
        value={managerId}
        onChange={(event) => setManagerId(event.target.value)}
        options={(users.data ?? []).map((user) => ({ value: String(user.id), label: user.name }))}
        hint="Receives SLA escalations for the team."
      />
      {save.isError ? <FormError error={save.error} /> : null}
      <div className="button-row">
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          {team ? 'Save' : 'Add team'}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export default function TeamsPage() {
  usePageTitle('Teams');
  const teams = useTeams();
  const users = useUsers();
  const queryClient = useQueryClient();
  const notify = useNotify();
  const [editing, setEditing] = useState<Team | 'new' | null>(null);
  const remove = useMutation({
    mutationFn: (team: Team) => api<void>(`/teams/${team.id}`, { method: 'DELETE' }),
    onSuccess: (_result, team) => {
      void queryClient.invalidateQueries({ queryKey: ['teams'] });
      void queryClient.invalidateQueries({ queryKey: ['users'] });
      notify(`Deleted ${team.name}`);
    },
    onError: (error) => notify(error.message, 'error'),
  });
  const userNames = new Map((users.data ?? []).map((user) => [user.id, user.name]));

  const columns: Column<Team>[] = [
    { key: 'name', header: 'Team', cell: (team) => <strong>{team.name}</strong>, csv: (team) => team.name },
    {
      key: 'manager',
      header: 'Manager',
      cell: (team) => (team.manager_id ? (userNames.get(team.manager_id) ?? DASH) : DASH),
      csv: (team) => (team.manager_id ? (userNames.get(team.manager_id) ?? team.manager_id) : ''),
    },
    {
      key: 'members',
      header: 'Members',
      align: 'right',
      cell: (team) => <Link to={`/settings/users?team_id=${team.id}`}>{team.members}</Link>,
      csv: (team) => team.members,
    },
    {
      key: 'created',
      header: 'Created',
      cell: (team) => formatDate(team.created_at),
      csv: (team) => team.created_at,
    },
    {
      key: 'actions',
      header: 'Actions',
      cell: (team) => (
        <div className="button-row">
          <button
            type="button"
            className="btn btn-small"
            onClick={() => setEditing(team)}
            aria-label={`Edit ${team.name}`}
          >
            Edit
          </button>
          <button
            type="button"
            className="btn btn-small btn-danger-ghost"
            aria-label={`Delete ${team.name}`}
            disabled={remove.isPending}
            onClick={() => {
              if (window.confirm(`Delete the team ${team.name}? Its members stay, without a team.`))
                remove.mutate(team);
            }}
          >
            Delete
          </button>
        </div>
      ),
    },
  ];

  return (
    <>
      <PageHeader
        title="Teams"
        description="Teams group reps for round-robin routing and SLA escalation."
        actions={
          <>
            <ExportButton filename="tandem-teams" columns={columns} rows={teams.data ?? []} />
            <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
              Add team
            </button>
          </>
        }
      />
      {teams.isPending ? (
        <LoadingState label="Loading teams" />
      ) : teams.isError ? (
        <ErrorState error={teams.error} title="Could not load the teams" retry={() => void teams.refetch()} />
      ) : (
        <section className="card">
          <DataTable
            caption="Teams"
            columns={columns}
            rows={teams.data}
            rowKey={(team) => team.id}
            empty="No teams yet. Add one to route leads round robin within it."
          />
        </section>
      )}
      <Dialog
        open={editing !== null}
        title={editing === 'new' ? 'Add a team' : editing ? `Edit ${editing.name}` : ''}
        onClose={() => setEditing(null)}
      >
        {editing !== null ? (
          <TeamForm
            key={editing === 'new' ? 'new' : editing.id}
            team={editing === 'new' ? null : editing}
            onDone={() => setEditing(null)}
          />
        ) : null}
      </Dialog>
    </>
  );
}
