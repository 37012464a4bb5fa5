import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { api, type Page } from '../../api/client.ts';
import { useUserNames, useUsers } from '../../api/hooks.ts';
import type { Goal } from '../../api/types.ts';
import { useMe } from '../../app/auth.tsx';
import { type Column, DataTable, Pager } from '../../components/DataTable.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { ExportButton } from '../../components/ExportButton.tsx';
import { SelectField, TextAreaField, TextField } from '../../components/Form.tsx';
import { useNotify } from '../../components/Notice.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { PeriodField } from '../../components/PeriodField.tsx';
import { ErrorState, FormError, LoadingState } from '../../components/States.tsx';
import { DASH, formatMoney, formatPercent } from '../../lib/format.ts';
import { currentQuarter, periodLabel } from '../../lib/periods.ts';
import { useCursorPaging } from '../../lib/url-state.ts';

const GOAL_SETTERS = ['admin', 'executive'];

function GoalForm({ goal, onDone }: { goal: Goal | null; onDone: () => void }) {
  const queryClient = useQueryClient();
  const notify = useNotify();
  const users = useUsers();
  const [period, setPeriod] = useState(goal?.period ?? currentQuarter());
  const [revenue, setRevenue] = useState(goal ? String(goal.revenue) : '');
  const [share, setShare] = useState(goal ? String(Math.round(goal.marketing_share * 1000) / 10) : '45');
  const [segment, setSegment] = useState(goal?.segment ?? '');
  const [ownerId, setOwnerId] = useState(goal?.owner_id ? String(goal.owner_id) : '');
  const [marketingOwnerId, setMarketingOwnerId] = useState(
    goal?.marketing_owner_id ? String(goal.marketing_owner_id) : '',
  );
  const [salesOwnerId, setSalesOwnerId] = useState(goal?.sales_owner_id ? String(goal.sales_owner_id) : '');
  const [notes, setNotes] = useState(goal?.notes ?? '');
  const userOptions = (users.data ?? []).map((user) => ({ value: String(user.id), label: user.name }));
  const idOrNull = (value: string) => (value ? Number(value) : null);
  const save = useMutation({
    mutationFn: () => {
      const body = {
        period,
        revenue: Number(revenue),
        marketing_share: Number(share) / 100,
        segment: segment.trim() || null,
        owner_id: idOrNull(ownerId),
        marketing_owner_id: idOrNull(marketingOwnerId),
        sales_owner_id: idOrNull(salesOwnerId),
        notes: notes.trim() || null,
      };
      return goal
        ? api<Goal>(`/goals/${goal.id}`, { method: 'PATCH', body })
        : api<Goal>('/goals', { method: 'POST', body });
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: ['goals'] });
      void queryClient.invalidateQueries({ queryKey: ['scorecard'] });
      notify(`Saved the goal for ${periodLabel(saved.period)}`);
      onDone();
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }
  return (
    <form onSubmit={submit} className="form-grid">
      <PeriodField value={period} onChange={setPeriod} />
      <TextField
        label="Revenue goal (USD)"
        type="number"
        min={1}
        step="any"
        required
        value={revenue}
        onChange={(event) => setRevenue(event.target.value)}
      />
      <TextField
        label="Marketing-sourced share (%)"
        type="number"
        min={0}
        max={100}
        step="any"
        required
        value={share}
        onChange={(event) => setShare(event.target.value)}
        hint="Best-in-class companies source about 45% from marketing."
      />
      <TextField
        label="Segment (optional)"
        value={segment}
        onChange={(event) => setSegment(event.target.value)}
      />
      <SelectField
        label="Owner"
        placeholder="Nobody"
        value={ownerId}
        onChange={(event) => setOwnerId(event.target.value)}
        options={userOptions}
      />
      <SelectField
        label="Owner of the marketing-sourced part"
        placeholder="Nobody"
        value={marketingOwnerId}
        onChange={(event) => setMarketingOwnerId(event.target.value)}
        options={userOptions}
      />
      <SelectField
        label="Owner of the sales-sourced part"
        placeholder="Nobody"
        value={salesOwnerId}
        onChange={(event) => setSalesOwnerId(event.target.value)}
        options={userOptions}
      />
      <TextAreaField
        label="Notes"
        className="form-grid-full"
        rows={2}
        value={notes}
        onChange={(event) => setNotes(event.target.value)}
      />
      {save.isError ? <FormError error={save.error} /> : null}
      <div className="button-row form-grid-full">
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          Save goal
        </button>
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export default function GoalsPage() {
  usePageTitle('Revenue goals');
  const me = useMe();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const userNames = useUserNames();
  const paging = useCursorPaging();
  const [editing, setEditing] = useState<Goal | 'new' | null>(null);
  const canEdit = GOAL_SETTERS.includes(me.role);
  const goals = useQuery({
    queryKey: ['goals', 'page', paging.cursor],
    queryFn: ({ signal }) =>
      api<Page<Goal>>('/goals', { query: { limit: 50, cursor: paging.cursor }, signal }),
    placeholderData: keepPreviousData,
  });
  const remove = useMutation({
    mutationFn: (goal: Goal) => api<void>(`/goals/${goal.id}`, { method: 'DELETE' }),
    onSuccess: (_result, goal) => {
      void queryClient.invalidateQueries({ queryKey: ['goals'] });
      notify(`Deleted the goal for ${periodLabel(goal.period)}`);
    },
    onError: (error) => notify(error.message, 'error'),
  });
  const name = (id: number | null) => (id !== null ? (userNames.get(id) ?? DASH) : DASH);
  const columns: Column<Goal>[] = [
    {
      key: 'period',
      header: 'Period',
      cell: (row) => <strong>{periodLabel(row.period)}</strong>,
      csv: (row) => row.period,
    },
    {
      key: 'revenue',
      header: 'Revenue',
      align: 'right',
      cell: (row) => formatMoney(row.revenue),
      csv: (row) => row.revenue,
    },
    {
      key: 'marketing',
      header: 'Marketing-sourced',
      align: 'right',
      cell: (row) =>
        `${formatMoney(row.marketing_sourced_revenue)} (${formatPercent(row.marketing_share, 0)})`,
      csv: (row) => row.marketing_sourced_revenue,
    },
    {
      key: 'sales',
      header: 'Sales-sourced',
      align: 'right',
      cell: (row) => formatMoney(row.sales_sourced_revenue),
      csv: (row) => row.sales_sourced_revenue,
    },
    { key: 'segment', header: 'Segment', cell: (row) => row.segment ?? 'All', csv: (row) => row.segment },
    { key: 'owner', header: 'Owner', cell: (row) => name(row.owner_id), csv: (row) => name(row.owner_id) },
    {
      key: 'owners',
      header: 'Marketing / sales owner',
      cell: (row) => `${name(row.marketing_owner_id)} / ${name(row.sales_owner_id)}`,
      csv: (row) => `${name(row.marketing_owner_id)} / ${name(row.sales_owner_id)}`,
    },
    {
      key: 'plan',
      header: 'Plan',
      cell: (row) => (
        <Link
          to={`/plan?goal_id=${row.id}&revenue=${row.revenue}&period=${row.period}&marketing_share=${Math.round(row.marketing_share * 1000) / 10}`}
        >
          Plan it
        </Link>
      ),
    },
    ...(canEdit
      ? [
          {
            key: 'actions',
            header: 'Actions',
            cell: (row: Goal) => (
              <div className="button-row">
                <button
                  type="button"
                  className="btn btn-small"
                  onClick={() => setEditing(row)}
                  aria-label={`Edit the goal for ${periodLabel(row.period)}`}
                >
                  Edit
                </button>
                <button
                  type="button"
                  className="btn btn-small btn-danger-ghost"
                  aria-label={`Delete the goal for ${periodLabel(row.period)}`}
                  onClick={() => {
                    if (
                      window.confirm(
                        `Delete the goal for ${periodLabel(row.period)}? Plans made for it stay.`,
                      )
                    )
                      remove.mutate(row);
                  }}
                >
                  Delete
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
        title="Revenue goals"
        description="One revenue goal per period, split into what marketing and sales each source."
        actions={
          <>
            <ExportButton filename="tandem-goals" columns={columns} rows={goals.data?.items ?? []} />
            {canEdit ? (
              <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
                Add goal
              </button>
            ) : null}
          </>
        }
      />
      {goals.isPending ? (
        <LoadingState label="Loading goals" />
      ) : goals.isError ? (
        <ErrorState error={goals.error} title="Could not load the goals" retry={() => void goals.refetch()} />
      ) : (
        <section className="card">
          <DataTable
            caption="Revenue goals"
            columns={columns}
            rows={goals.data.items}
            rowKey={(row) => row.id}
            empty="No goals yet."
          />
          <Pager
            pageNumber={paging.pageNumber}
            hasPrevious={paging.hasPrevious}
            hasNext={goals.data.next_cursor !== null}
            onPrevious={paging.previousPage}
            onNext={() => goals.data.next_cursor && paging.nextPage(goals.data.next_cursor)}
            shown={goals.data.items.length}
          />
        </section>
      )}
      <Dialog
        open={editing !== null}
        title={
          editing === 'new'
            ? 'Add a revenue goal'
            : editing
              ? `Edit the goal for ${periodLabel(editing.period)}`
              : ''
        }
        onClose={() => setEditing(null)}
      >
        {editing !== null ? (
          <GoalForm
            key={editing === 'new' ? 'new' : editing.id}
            goal={editing === 'new' ? null : editing}
            onDone={() => setEditing(null)}
          />
        ) : null}
      </Dialog>
    </>
  );
}
