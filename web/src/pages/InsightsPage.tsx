import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, fetchAllPages, type Page } from '../api/client.ts';
import { useUserNames } from '../api/hooks.ts';
import type { Insight } from '../api/types.ts';
import { INSIGHT_TYPES } from '../api/types.ts';
import { type Column, DataTable, Pager } from '../components/DataTable.tsx';
import { ExportButton } from '../components/ExportButton.tsx';
import { SelectField, TextField } from '../components/Form.tsx';
import { PageHeader, usePageTitle } from '../components/PageHeader.tsx';
import { ErrorState, LoadingState } from '../components/States.tsx';
import { INSIGHT_LABELS } from '../features/insights.tsx';
import { DASH, formatDate } from '../lib/format.ts';
import { useCursorPaging, useUrlFilters } from '../lib/url-state.ts';

/** The voice of the customer as sales recorded it, for marketing to filter and read. */
export default function InsightsPage() {
  usePageTitle('Customer insights');
  const filters = useUrlFilters(['type', 'competitor', 'source', 'from', 'to'] as const);
  const paging = useCursorPaging();
  const userNames = useUserNames();
  const query = { ...filters.values };
  const insights = useQuery({
    queryKey: ['insights', query, paging.cursor],
    queryFn: ({ signal }) =>
      api<Page<Insight>>('/insights', { query: { ...query, limit: 50, cursor: paging.cursor }, signal }),
    placeholderData: keepPreviousData,
  });
  const columns: Column<Insight>[] = [
    {
      key: 'when',
      header: 'Heard',
      cell: (row) => formatDate(row.occurred_at),
      csv: (row) => row.occurred_at,
    },
    {
      key: 'type',
      header: 'Kind',
      cell: (row) => <span className="badge badge-neutral">{INSIGHT_LABELS[row.type]}</span>,
      csv: (row) => row.type,
    },
    { key: 'body', header: 'What the customer said', cell: (row) => row.body, csv: (row) => row.body },
    {
      key: 'competitor',
      header: 'Competitor',
      cell: (row) => row.competitor ?? DASH,
      csv: (row) => row.competitor,
    },
    { key: 'source', header: 'Source', cell: (row) => row.source ?? DASH, csv: (row) => row.source },
    {
      key: 'about',
      header: 'About',
      cell: (row) =>
        row.lead_id !== null ? (
          <Link to={`/leads/${row.lead_id}`}>Lead {row.lead_id}</Link>
        ) : row.opportunity_id !== null ? (
          `Deal ${row.opportunity_id}`
        ) : row.account_id !== null ? (
          `Account ${row.account_id}`
        ) : (
          DASH
        ),
      csv: (row) =>
        row.lead_id !== null
          ? `lead ${row.lead_id}`
          : row.opportunity_id !== null
            ? `opportunity ${row.opportunity_id}`
            : `account ${row.account_id}`,
    },
    {
      key: 'by',
      header: 'Recorded by',
      cell: (row) => (row.created_by !== null ? (userNames.get(row.created_by) ?? DASH) : DASH),
      csv: (row) => (row.created_by !== null ? userNames.get(row.created_by) : ''),
    },
  ];
  return (
    <>
      <PageHeader
        title="Customer insights"
        description="Needs, objections, competitors, feature requests and pricing feedback, in the customers' words."
        actions={
          <ExportButton
            filename="tandem-insights"
            columns={columns}
            label="Export all (CSV)"
            fetchRows={async (onProgress) =>
              (await fetchAllPages<Insight>('/insights', query, { onProgress })).items
            }
          />
        }
      />
      <form
        className="filters card"
        aria-label="Insight filters"
        onSubmit={(event) => event.preventDefault()}
      >
        <SelectField
          label="Kind"
          placeholder="Any kind"
          value={filters.values.type}
          onChange={(event) => filters.set({ type: event.target.value })}
          options={INSIGHT_TYPES.map((type) => ({ value: type, label: INSIGHT_LABELS[type] }))}
        />
        <TextField
          label="Competitor"
          defaultValue={filters.values.competitor}
          key={`competitor-${filters.values.competitor}`}
          onBlur={(event) => filters.set({ competitor: event.currentTarget.value.trim() })}
          onKeyDown={(event) =>
            event.key === 'Enter' && filters.set({ competitor: event.currentTarget.value.trim() })
          }
        />
        <TextField
          label="Source"
          defaultValue={filters.values.source}
          key={`source-${filters.values.source}`}
          onBlur={(event) => filters.set({ source: event.currentTarget.value.trim() })}
          onKeyDown={(event) =>
            event.key === 'Enter' && filters.set({ source: event.currentTarget.value.trim() })
          }
        />
        <TextField
          label="Heard from"
          type="date"
          value={filters.values.from}
          onChange={(event) => filters.set({ from: event.target.value })}
        />
        <TextField
          label="Heard before"
          type="date"
          value={filters.values.to}
          onChange={(event) => filters.set({ to: event.target.value })}
        />
      </form>
      {insights.isPending ? (
        <LoadingState label="Loading insights" />
      ) : insights.isError ? (
        <ErrorState
          error={insights.error}
          title="Could not load the insights"
          retry={() => void insights.refetch()}
        />
      ) : (
        <section className="card">
          <DataTable
            caption="Customer insights"
            columns={columns}
            rows={insights.data.items}
            rowKey={(row) => row.id}
            empty="No insights match. Reps add them from a lead's page."
          />
          <Pager
            pageNumber={paging.pageNumber}
            hasPrevious={paging.hasPrevious}
            hasNext={insights.data.next_cursor !== null}
            onPrevious={paging.previousPage}
            onNext={() => insights.data.next_cursor && paging.nextPage(insights.data.next_cursor)}
            shown={insights.data.items.length}
          />
        </section>
      )}
    </>
  );
}
