import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../../api/client.ts';
import { useUserNames, useUsers } from '../../api/hooks.ts';
import type { ApiToken, CreatedToken } from '../../api/types.ts';
import { useMe } from '../../app/auth.tsx';
import { StatusBadge } from '../../components/Badges.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { ExportButton } from '../../components/ExportButton.tsx';
import { SelectField, TextField } from '../../components/Form.tsx';
import { useNotify } from '../../components/Notice.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { ErrorState, FormError, LoadingState } from '../../components/States.tsx';
import { DASH, formatDateTime } from '../../lib/format.ts';

function NewTokenForm({ onCreated }: { onCreated: (created: CreatedToken) => void }) {
  const me = useMe();
  const users = useUsers();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [userId, setUserId] = useState(String(me.id));
  const create = useMutation({
    mutationFn: () =>
      api<CreatedToken>('/tokens', {
        method: 'POST',
        body: { name: name.trim(), ...(me.role === 'admin' ? { user_id: Number(userId) } : {}) },
      }),
    onSuccess: (created) => {
      void queryClient.invalidateQueries({ queryKey: ['tokens'] });
      setName('');
      onCreated(created);
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }
  return (
    <form className="card filters" onSubmit={submit} aria-label="New API token">
      <TextField
        label="Token name"
        placeholder="e.g. CRM sync"
        required
        maxLength={200}
        value={name}
        onChange={(event) => setName(event.target.value)}
      />
      {me.role === 'admin' ? (
        <SelectField
          label="Acts as"
          value={userId}
          onChange={(event) => setUserId(event.target.value)}
          options={(users.data ?? [{ id: me.id, name: me.name }]).map((user) => ({
            value: String(user.id),
            label: user.name,
          }))}
          hint="The token has this user's role."
        />
      ) : null}
      <div className="filters-actions">
        <button type="submit" className="btn btn-primary" disabled={create.isPending || !name.trim()}>
          Create token
        </button>
      </div>
      {create.isError ? <FormError error={create.error} /> : null}
    </form>
  );
}

function Secret({ created, onDismiss }: { created: CreatedToken; onDismiss: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <section className="card secret" role="alert" aria-labelledby="secret-title">
      <h2 id="secret-title">Copy the token “{created.api_token.name}” now</h2>
      <p className="muted">
        It is shown only once. Send it as <code>Authorization: Bearer …</code>.
      </p>
      <div className="secret-row">
        <code className="secret-value" data-testid="token-secret">
          {created.token}
        </code>
        <button
          type="button"
          className="btn"
          onClick={() => {
            void navigator.clipboard?.writeText(created.token).then(() => setCopied(true));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="btn btn-ghost" onClick={onDismiss}>
          Done
        </button>
      </div>
    </section>
  );
}

export default function TokensPage() {
  usePageTitle('API tokens');
  const me = useMe();
  const userNames = useUserNames();
  const queryClient = useQueryClient();
  const notify = useNotify();
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const tokens = useQuery({
    queryKey: ['tokens'],
    queryFn: async () => (await api<{ items: ApiToken[] }>('/tokens')).items,
  });
  const revoke = useMutation({
    mutationFn: (token: ApiToken) => api<ApiToken>(`/tokens/${token.id}`, { method: 'DELETE' }),
    onSuccess: (token) => {
      void queryClient.invalidateQueries({ queryKey: ['tokens'] });
      notify(`Revoked ${token.name}`);
    },
    onError: (error) => notify(error.message, 'error'),
  });

  const columns: Column<ApiToken>[] = [
    {
      key: 'name',
      header: 'Name',
      cell: (token) => <strong>{token.name}</strong>,
      csv: (token) => token.name,
    },
    {
      key: 'user',
      header: 'Acts as',
      cell: (token) => userNames.get(token.user_id) ?? `User ${token.user_id}`,
      csv: (token) => userNames.get(token.user_id) ?? token.user_id,
    },
    {
      key: 'prefix',
      header: 'Starts with',
      cell: (token) => <code>{token.prefix}…</code>,
      csv: (token) => token.prefix,
    },
    {
      key: 'created',
      header: 'Created',
      cell: (token) => formatDateTime(token.created_at),
      csv: (token) => token.created_at,
    },
    {
      key: 'used',
      header: 'Last used',
      cell: (token) => (token.last_used_at ? formatDateTime(token.last_used_at) : 'Never'),
      csv: (token) => token.last_used_at,
    },
    {
      key: 'status',
      header: 'Status',
      cell: (token) =>
        token.revoked_at ? (
          <StatusBadge tone="neutral">{`Revoked ${formatDateTime(token.revoked_at)}`}</StatusBadge>
        ) : (
          <StatusBadge tone="good">Active</StatusBadge>
        ),
      csv: (token) => (token.revoked_at ? `revoked ${token.revoked_at}` : 'active'),
    },
    {
      key: 'actions',
      header: 'Actions',
      cell: (token) =>
        token.revoked_at ? (
          DASH
        ) : (
          <button
            type="button"
            className="btn btn-small btn-danger-ghost"
            aria-label={`Revoke ${token.name}`}
            disabled={revoke.isPending}
            onClick={() => {
              if (window.confirm(`Revoke the token ${token.name}? Programs using it stop working at once.`))
                revoke.mutate(token);
            }}
          >
            Revoke
          </button>
        ),
    },
  ];

  return (
    <>
      <PageHeader
        title="API tokens"
        description={
          me.role === 'admin'
            ? 'Tokens for scripts and integrations. As an admin you see everyone’s.'
            : 'Your tokens for scripts and integrations.'
        }
        actions={<ExportButton filename="tandem-api-tokens" columns={columns} rows={tokens.data ?? []} />}
      />
      <NewTokenForm onCreated={setCreated} />
      {created ? <Secret created={created} onDismiss={() => setCreated(null)} /> : null}
      {tokens.isPending ? (
        <LoadingState label="Loading tokens" />
      ) : tokens.isError ? (
        <ErrorState
          error={tokens.error}
          title="Could not load the tokens"
          retry={() => void tokens.refetch()}
        />
      ) : (
        <section className="card">
          <DataTable
            caption="API tokens"
            columns={columns}
            rows={tokens.data}
            rowKey={(token) => token.id}
            empty="No tokens yet."
          />
        </section>
      )}
    </>
  );
}
