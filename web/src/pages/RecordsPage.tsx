import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { api, fetchAllPages, type Page } from '../api/client.ts';
import { useUserNames } from '../api/hooks.ts';
import type { Lead } from '../api/types.ts';
import { DataTable, Pager } from '../components/DataTable.tsx';
import { ExportButton } from '../components/ExportButton.tsx';
import { PageHeader, usePageTitle } from '../components/PageHeader.tsx';
import { EmptyState, ErrorState, LoadingState } from '../components/States.tsx';
import { leadColumns } from '../features/leads.tsx';
import { slug } from '../lib/csv.ts';
import { drilldownPath } from '../lib/drilldown.ts';
import { useCursorPaging } from '../lib/url-state.ts';

function splitPath(path: string): { pathname: string; query: Record<string, string> } {
  const [pathname = '', search = ''] = path.split('?');
  return { pathname, query: Object.fromEntries(new URLSearchParams(search)) };
}

/** The leads behind one report figure, paged on the server and exportable. */
export default function RecordsPage() {
  const [params] = useSearchParams();
  const paging = useCursorPaging();
  const userNames = useUserNames();
  const title = params.get('title') || 'Records';
  usePageTitle(title);
  const path = drilldownPath(params.get('src'));
  const target = path ? splitPath(path) : null;

  const records = useQuery({
    queryKey: ['records', path, paging.cursor],
    queryFn: ({ signal }) =>
      api<Page<Lead>>(target!.pathname, {
        query: { ...target!.query, limit: 50, cursor: paging.cursor },
        signal,
      }),
    enabled: target !== null,
    placeholderData: keepPreviousData,
  });

  if (!target) {
    return <EmptyState title="This link does not point at a report's records" />;
  }
  const columns = leadColumns(userNames);
  return (
    <>
      <PageHeader
        title={title}
        description="The records behind a report figure."
        actions={
          <ExportButton
            filename={slug(`tandem ${title}`)}
            columns={columns}
            label="Export all (CSV)"
            fetchRows={async (onProgress) =>
              (await fetchAllPages<Lead>(target.pathname, target.query, { onProgress })).items
            }
          />
        }
      />
      {records.isPending ? (
        <LoadingState label="Loading the records" />
      ) : records.isError ? (
        <ErrorState
          error={records.error}
          title="Could not load the records"
          retry={() => void records.refetch()}
        />
      ) : (
        <section className="card">
          <DataTable
            caption={title}
            columns={columns}
            rows={records.data.items}
            rowKey={(lead) => lead.id}
            empty="No records behind this figure."
          />
          <Pager
            pageNumber={paging.pageNumber}
            hasPrevious={paging.hasPrevious}
            hasNext={records.data.next_cursor !== null}
            onPrevious={paging.previousPage}
            onNext={() => records.data.next_cursor && paging.nextPage(records.data.next_cursor)}
            shown={records.data.items.length}
          />
        </section>
      )}
    </>
  );
}
