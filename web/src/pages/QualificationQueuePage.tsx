import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../api/client.ts';
import { useUserNames } from '../api/hooks.ts';
import type { QualificationQueue } from '../api/types.ts';
import { StageBadge, TemperatureBadge } from '../components/Badges.tsx';
import { type Column, DataTable, Pager } from '../components/DataTable.tsx';
import { ExportButton } from '../components/ExportButton.tsx';
import { PageHeader, usePageTitle } from '../components/PageHeader.tsx';
import { ErrorState, LoadingState } from '../components/States.tsx';
import { DASH, formatAgo, personName } from '../lib/format.ts';
import { useCursorPaging } from '../lib/url-state.ts';

type Item = QualificationQueue['items'][number];

/** Marketing's list of leads at the MQL score that cannot go to sales yet. */
export default function QualificationQueuePage() {
  usePageTitle('Needs qualification');
  const paging = useCursorPaging();
  const userNames = useUserNames();
  const queue = useQuery({
    queryKey: ['qualification-queue', paging.cursor],
    queryFn: ({ signal }) =>
      api<QualificationQueue>('/qualification/queue', {
        query: { limit: 50, cursor: paging.cursor },
        signal,
      }),
    placeholderData: keepPreviousData,
  });
  const columns: Column<Item>[] = [
    {
      key: 'lead',
      header: 'Lead',
      cell: (row) => (
        <Link className="strong-link" to={`/leads/${row.lead.id}`}>
          {personName(row.lead)}
        </Link>
      ),
      csv: (row) => personName(row.lead),
    },
    { key: 'email', header: 'Email', cell: (row) => row.lead.email ?? DASH, csv: (row) => row.lead.email },
    {
      key: 'company',
      header: 'Company',
      cell: (row) => row.lead.company ?? DASH,
      csv: (row) => row.lead.company,
    },
    {
      key: 'stage',
      header: 'Stage',
      cell: (row) => <StageBadge stage={row.lead.stage} />,
      csv: (row) => row.lead.stage,
    },
    {
      key: 'score',
      header: 'Score',
      align: 'right',
      cell: (row) => row.lead.score,
      csv: (row) => row.lead.score,
    },
    {
      key: 'temperature',
      header: 'Temperature',
      cell: (row) => <TemperatureBadge temperature={row.lead.temperature} />,
      csv: (row) => row.lead.temperature,
    },
    {
      key: 'missing',
      header: 'Missing',
      cell: (row) => <span className="text-warn">{row.missing_fields.join(', ')}</span>,
      csv: (row) => row.missing_fields.join('; '),
    },
    {
      key: 'since',
      header: 'Waiting',
      cell: (row) => (row.since ? formatAgo(row.since) : DASH),
      csv: (row) => row.since,
    },
    {
      key: 'owner',
      header: 'Owner',
      cell: (row) => (row.lead.owner_id ? (userNames.get(row.lead.owner_id) ?? DASH) : 'Unassigned'),
      csv: (row) => (row.lead.owner_id ? userNames.get(row.lead.owner_id) : ''),
    },
  ];
  return (
    <>
      <PageHeader
        title="Needs qualification"
        description={
          queue.data
            ? `Leads at the MQL score (${queue.data.mql_threshold}) missing ${queue.data.required_fields.join(', ') || 'required fields'}; they go to sales once the fields are known.`
            : 'Leads at the MQL score missing qualification fields, hottest first.'
        }
        actions={
          queue.data ? (
            <ExportButton
              filename="tandem-needs-qualification"
              columns={columns}
              rows={queue.data.items}
              label="Export page (CSV)"
            />
          ) : null
        }
      />
      {queue.isPending ? (
        <LoadingState label="Loading the queue" />
      ) : queue.isError ? (
        <ErrorState error={queue.error} title="Could not load the queue" retry={() => void queue.refetch()} />
      ) : (
        <section className="card">
          <DataTable
            caption="Leads that need qualification"
            columns={columns}
            rows={queue.data.items}
            rowKey={(row) => row.lead.id}
            empty="No lead is waiting for qualification."
          />
          <Pager
            pageNumber={paging.pageNumber}
            hasPrevious={paging.hasPrevious}
            hasNext={queue.data.next_cursor !== null}
            onPrevious={paging.previousPage}
            onNext={() => queue.data.next_cursor && paging.nextPage(queue.data.next_cursor)}
            shown={queue.data.items.length}
          />
        </section>
      )}
    </>
  );
}
