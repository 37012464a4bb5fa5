import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../../api/client.ts';
import type { RejectionReason } from '../../api/types.ts';
import { useMe } from '../../app/auth.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { CheckboxField, TextField } from '../../components/Form.tsx';
import { useNotify } from '../../components/Notice.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { ErrorState, FormError, LoadingState } from '../../components/States.tsx';

function AddReason() {
  const queryClient = useQueryClient();
  const notify = useNotify();
  const [code, setCode] = useState('');
  const [label, setLabel] = useState('');
  const [requiresNote, setRequiresNote] = useState(false);
  const add = useMutation({
    mutationFn: () =>
      api<RejectionReason>('/rejection-reasons', {
        method: 'POST',
        body: { code: code.trim(), label: label.trim(), requires_note: requiresNote },
      }),
    onSuccess: (reason) => {
      void queryClient.invalidateQueries({ queryKey: ['rejection-reasons'] });
      notify(`Added ${reason.label}`);
      setCode('');
      setLabel('');
      setRequiresNote(false);
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    add.mutate();
  }
  return (
    <form className="card filters" onSubmit={submit} aria-label="Add a rejection reason">
      <TextField
        label="Label"
        required
        value={label}
        onChange={(event) => setLabel(event.target.value)}
        placeholder="Too small"
      />
      <TextField
        label="Code"
        required
        pattern="[a-z0-9_]{1,60}"
        value={code}
        onChange={(event) => setCode(event.target.value)}
        placeholder="too_small"
        hint="Lower-case letters, digits and _; used in reports."
      />
      <CheckboxField
        label="Requires a note"
        checked={requiresNote}
        onChange={(event) => setRequiresNote(event.target.checked)}
      />
      <div className="filters-actions">
        <button type="submit" className="btn btn-primary" disabled={add.isPending}>
          Add reason
        </button>
      </div>
      {add.isError ? <FormError error={add.error} /> : null}
    </form>
  );
}

export default function ReasonsPage() {
  usePageTitle('Rejection reasons');
  const me = useMe();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const reasons = useQuery({
    queryKey: ['rejection-reasons', 'all'],
    queryFn: async () =>
      (await api<{ items: RejectionReason[] }>('/rejection-reasons', { query: { include_inactive: true } }))
        .items,
  });
  const update = useMutation({
    mutationFn: ({ reason, patch }: { reason: RejectionReason; patch: Partial<RejectionReason> }) =>
      api<RejectionReason>(`/rejection-reasons/${reason.id}`, { method: 'PATCH', body: patch }),
    onSuccess: (reason) => {
      void queryClient.invalidateQueries({ queryKey: ['rejection-reasons'] });
      notify(`Saved ${reason.label}`);
    },
    onError: (error) => notify(error.message, 'error'),
  });
  const isAdmin = me.role === 'admin';
  const columns: Column<RejectionReason>[] = [
    { key: 'position', header: 'Order', align: 'right', cell: (row) => row.position },
    { key: 'label', header: 'Reason', cell: (row) => <strong>{row.label}</strong> },
    { key: 'code', header: 'Code', cell: (row) => <code>{row.code}</code> },
    { key: 'note', header: 'Needs a note', cell: (row) => (row.requires_note ? 'Yes' : 'No') },
    { key: 'active', header: 'In use', cell: (row) => (row.active ? 'Yes' : 'Retired') },
    ...(isAdmin
      ? [
          {
            key: 'actions',
            header: 'Actions',
            cell: (row: RejectionReason) => (
              <div className="button-row">
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={update.isPending}
                  aria-label={`${row.requires_note ? 'Stop requiring' : 'Require'} a note for ${row.label}`}
                  onClick={() => update.mutate({ reason: row, patch: { requires_note: !row.requires_note } })}
                >
                  {row.requires_note ? 'Note optional' : 'Require note'}
                </button>
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={update.isPending}
                  aria-label={`${row.active ? 'Retire' : 'Restore'} ${row.label}`}
                  onClick={() => update.mutate({ reason: row, patch: { active: !row.active } })}
                >
                  {row.active ? 'Retire' : 'Restore'}
                </button>
              </div>
            ),
          },
        ]
      : []),
  ];
  return (
    <>
      <PageHeader
        title="Rejection reasons"
        description="The reasons reps pick when they reject a lead; lead quality is reported by them."
      />
      {isAdmin ? <AddReason /> : null}
      {reasons.isPending ? (
        <LoadingState label="Loading reasons" />
      ) : reasons.isError ? (
        <ErrorState
          error={reasons.error}
          title="Could not load the reasons"
          retry={() => void reasons.refetch()}
        />
      ) : (
        <section className="card">
          <DataTable
            caption="Rejection reasons"
            columns={columns}
            rows={reasons.data}
            rowKey={(row) => row.id}
          />
        </section>
      )}
    </>
  );
}
