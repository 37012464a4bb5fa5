import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, fetchAllPages, type Page } from '../api/client.ts';
import { useUserNames, useUsers } from '../api/hooks.ts';
import type { Opportunity } from '../api/types.ts';
import { StatusBadge } from '../components/Badges.tsx';
import { type Column, DataTable, Pager } from '../components/DataTable.tsx';
import { ExportButton } from '../components/ExportButton.tsx';
import { SelectField, TextField } from '../components/Form.tsx';
import { PageHeader, usePageTitle } from '../components/PageHeader.tsx';
import { ErrorState, LoadingState } from '../components/States.tsx';
import { DASH, formatDate, formatMoney, titleCase } from '../lib/format.ts';
import { useCursorPaging, useUrlFilters } from '../lib/url-state.ts';

const FILTERS = [
  'q',
  'status',
  'owner_id',
  'product_id',
  'source',
  'competitor',
  'segment',
  'closed_from',
  'closed_to',
  'created_from',
  'created_to',
  'sort',
] as const;

const STATUS_TONE = { open: 'neutral', won: 'good', lost: 'bad' } as const;

/** Opportunities with filters; win/loss and campaign figures link here. */
export default function DealsPage() {
  usePageTitle('Deals');
  const filters = useUrlFilters(FILTERS);
  const paging = useCursorPaging();
  const users = useUsers();
  const userNames = useUserNames();
  const sort = filters.values.sort || '-created_at';
  const query = { ...filters.values, sort };
  const deals = useQuery({
    queryKey: ['opportunities', query, paging.cursor],
    queryFn: ({ signal }) =>
      api<Page<Opportunity>>('/opportunities', {
        query: { ...query, limit: 50, cursor: paging.cursor },
        signal,
      }),
    placeholderData: keepPreviousData,
  });
  const columns: Column<Opportunity>[] = [
    {
      key: 'name',
      header: 'Deal',
      cell: (row) => (
        <Link className="strong-link" to={`/deals/${row.id}`}>
          {row.name}
        </Link>
      ),
      csv: (row) => row.name,
    },
    {
      key: 'status',
      header: 'Status',
      cell: (row) => <StatusBadge tone={STATUS_TONE[row.status]}>{titleCase(row.status)}</StatusBadge>,
      csv: (row) => row.status,
    },
    { key: 'stage', header: 'Stage', cell: (row) => row.stage, csv: (row) => row.stage },
    {
      key: 'amount',
      header: 'Amount',
      align: 'right',
      sort: 'amount',
      cell: (row) => formatMoney(row.amount),
      csv: (row) => row.amount,
    },
    {
      key: 'owner',
      header: 'Owner',
      cell: (row) => (row.owner_id !== null ? (userNames.get(row.owner_id) ?? DASH) : DASH),
      csv: (row) => (row.owner_id !== null ? userNames.get(row.owner_id) : ''),
    },
    { key: 'source', header: 'Source', cell: (row) => row.source ?? DASH, csv: (row) => row.source },
    { key: 'segment', header: 'Segment', cell: (row) => row.segment ?? DASH, csv: (row) => row.segment },
    {
      key: 'competitor',
      header: 'Competitor',
      cell: (row) => row.competitor ?? DASH,
      csv: (row) => row.competitor,
    },
    { key: 'reason', header: 'Reason', cell: (row) => row.reason ?? DASH, csv: (row) => row.reason },
    {
      key: 'created',
      header: 'Created',
      sort: 'created_at',
      cell: (row) => formatDate(row.created_at),
      csv: (row) => row.created_at,
    },
    {
      key: 'closed',
      header: 'Closed',
      sort: 'closed_at',
      cell: (row) => formatDate(row.closed_at),
      csv: (row) => row.closed_at,
    },
  ];
  const text = (label: string, key: (typeof FILTERS)[number]) => (
    <TextField
      label={label}
      defaultValue={filters.values[key]}
      key={`${key}-${filters.values[key]}`}
      onBlur={(event) => filters.set({ [key]: event.currentTarget.value.trim() })}
      onKeyDown={(event) => event.key === 'Enter' && filters.set({ [key]: event.currentTarget.value.trim() })}
    />
  );
  return (
    <>
      <PageHeader
        title="Deals"
        description="Opportunities with their outcome; open one for its review."
        actions={
          <ExportButton
            filename="tandem-deals"
            columns={columns}
            label="Export all (CSV)"
            fetchRows={async (onProgress) =>
              (await fetchAllPages<Opportunity>('/opportunities', query, { onProgress })).items
            }
          />
        }
      />
      <form className="filters card" aria-label="Deal filters" onSubmit={(event) => event.preventDefault()}>
        {text('Search', 'q')}
        <SelectField
          label="Status"
          placeholder="Any status"
          value={filters.values.status}
          onChange={(event) => filters.set({ status: event.target.value })}
          options={[
            { value: 'open', label: 'Open' },
            { value: 'won', label: 'Won' },
            { value: 'lost', label: 'Lost' },
            { value: 'won,lost', label: 'Closed' },
          ]}
        />
        <SelectField
          label="Owner"
          placeholder="Anyone"
          value={filters.values.owner_id}
          onChange={(event) => filters.set({ owner_id: event.target.value })}
          options={(users.data ?? [])
            .filter(
              (user) =>
                user.role === 'sales' || user.role === 'sdr' || String(user.id) === filters.values.owner_id,
            )
            .map((user) => ({ value: String(user.id), label: user.name }))}
        />
        {text('Source', 'source')}
        {text('Competitor', 'competitor')}
        {text('Segment', 'segment')}
        <TextField
          label="Closed from"
          type="date"
          value={filters.values.closed_from}
          onChange={(event) => filters.set({ closed_from: event.target.value })}
        />
        <TextField
          label="Closed before"
          type="date"
          value={filters.values.closed_to}
          onChange={(event) => filters.set({ closed_to: event.target.value })}
        />
        <div className="filters-actions">
          <button
            type="button"
            className="btn btn-ghost"
            onClick={filters.clear}
            disabled={filters.active === 0}
          >
            Clear filters
          </button>
        </div>
      </form>
      {deals.isPending ? (
        <LoadingState label="Loading deals" />
      ) : deals.isError ? (
        <ErrorState error={deals.error} title="Could not load the deals" retry={() => void deals.refetch()} />
      ) : (
        <section className="card">
          <DataTable
            caption="Deals"
            columns={columns}
            rows={deals.data.items}
            rowKey={(row) => row.id}
            sort={{ value: sort, onChange: (next) => filters.set({ sort: next }) }}
            empty="No deal matches these filters."
          />
          <Pager
            pageNumber={paging.pageNumber}
            hasPrevious={paging.hasPrevious}
            hasNext={deals.data.next_cursor !== null}
            onPrevious={paging.previousPage}
            onNext={() => deals.data.next_cursor && paging.nextPage(deals.data.next_cursor)}
            shown={deals.data.items.length}
          />
        </section>
      )}
    </>
  );
}
