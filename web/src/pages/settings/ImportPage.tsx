import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, apiBlob, type Page } from '../../api/client.ts';
import type { Import, ImportRejection } from '../../api/types.ts';
import { type Column, DataTable, Pager } from '../../components/DataTable.tsx';
import { KpiTile } from '../../components/KpiTile.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { ProgressBar } from '../../components/ProgressBar.tsx';
import { EmptyState, ErrorState, FormError, LoadingState } from '../../components/States.tsx';
import { ImportStatus } from '../../features/imports.tsx';
import { JobProgress } from '../../features/score.tsx';
import { downloadBlob } from '../../lib/csv.ts';
import { DASH, formatDateTime, formatNumber, formatPercent } from '../../lib/format.ts';
import { useCursorPaging } from '../../lib/url-state.ts';

const rejectionColumns: Column<ImportRejection>[] = [
  { key: 'file', header: 'File', cell: (row) => row.file },
  { key: 'line', header: 'Line', align: 'right', cell: (row) => row.line },
  { key: 'reason', header: 'Reason', cell: (row) => row.reason },
  { key: 'raw', header: 'Row as uploaded', cell: (row) => <code className="raw-row">{row.raw}</code> },
];

function Rejections({ importId, count }: { importId: number; count: number }) {
  const paging = useCursorPaging();
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const rejections = useQuery({
    queryKey: ['import', importId, 'rejections', paging.cursor],
    queryFn: ({ signal }) =>
      api<Page<ImportRejection>>(`/imports/${importId}/rejections`, {
        query: { limit: 50, cursor: paging.cursor },
        signal,
      }),
    placeholderData: keepPreviousData,
  });
  async function download() {
    setDownloadError(null);
    try {
      downloadBlob(`import-${importId}-rejections.csv`, await apiBlob(`/imports/${importId}/rejections.csv`));
    } catch (error) {
      setDownloadError(error);
    }
  }
  return (
    <section className="card" aria-labelledby="rejections-title">
      <div className="card-header">
        <div>
          <h2 id="rejections-title">Rejected rows: {formatNumber(count)}</h2>
          <p className="muted small">Fix them in the file you download and upload it again.</p>
        </div>
        <button type="button" className="btn" onClick={() => void download()} disabled={count === 0}>
          Download rejected rows (CSV)
        </button>
      </div>
      {downloadError ? <FormError error={downloadError} /> : null}
      {rejections.isPending ? (
        <LoadingState label="Loading the rejected rows" />
      ) : rejections.isError ? (
        <ErrorState error={rejections.error} title="Could not load the rejected rows" />
      ) : (
        <>
          <DataTable
            caption="Rejected rows"
            columns={rejectionColumns}
            rows={rejections.data.items}
            rowKey={(row) => row.id}
            empty="Every row was imported."
          />
          <Pager
            pageNumber={paging.pageNumber}
            hasPrevious={paging.hasPrevious}
            hasNext={rejections.data.next_cursor !== null}
            onPrevious={paging.previousPage}
            onNext={() => rejections.data.next_cursor && paging.nextPage(rejections.data.next_cursor)}
            shown={rejections.data.items.length}
          />
        </>
      )}
    </section>
  );
}

export default function ImportPage() {
  const params = useParams();
  const id = Number(params.id);
  usePageTitle(`Import ${params.id}`);
  const imported = useQuery({
    queryKey: ['import', id],
    queryFn: () => api<Import>(`/imports/${id}`),
    enabled: id > 0,
    // Follow the import while it runs.
    refetchInterval: (query) =>
      query.state.data && (query.state.data.status === 'queued' || query.state.data.status === 'running')
        ? 750
        : false,
  });
  if (!(id > 0)) return <EmptyState title={`"${params.id}" is not an import id`} />;
  if (imported.isPending) return <LoadingState label="Loading the import" />;
  if (imported.isError)
    return (
      <ErrorState
        error={imported.error}
        title="Could not load the import"
        retry={() => void imported.refetch()}
      />
    );
  const data = imported.data;
  const done = data.status === 'completed' || data.status === 'failed';
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/settings/imports">Imports</Link> <span aria-hidden="true">/</span> #{data.id}
      </p>
      <PageHeader
        title={`Import #${data.id}`}
        description={`${data.format}${data.resource ? ` ${data.resource}` : ''}: ${data.files
          .map((file) => String(file.name ?? ''))
          .filter(Boolean)
          .join(', ')}`}
      >
        <div className="chip-row">
          <ImportStatus status={data.status} />
          <span className="muted small">
            Started {formatDateTime(data.started_at ?? data.created_at)}
            {data.finished_at ? `, finished ${formatDateTime(data.finished_at)}` : ''}
          </span>
        </div>
      </PageHeader>
      <section className="card" aria-labelledby="progress-title">
        <h2 id="progress-title">Progress</h2>
        <ProgressBar label="Import progress" fraction={data.progress ?? (done ? 1 : 0)} />
        <p className="small muted" role="status">
          {formatNumber(data.rows_read)} of {data.rows_total === null ? 'the' : formatNumber(data.rows_total)}{' '}
          rows read ({formatPercent(data.progress, 0)})
        </p>
        {data.error ? <FormError error={new Error(data.error)} /> : null}
      </section>
      <section className="kpi-grid" aria-label="Import results">
        <KpiTile
          label="Created"
          value={<span data-testid="import-created">{formatNumber(data.created)}</span>}
        />
        <KpiTile label="Updated" value={formatNumber(data.updated)} />
        <KpiTile
          label="Rejected"
          value={<span data-testid="import-rejected">{formatNumber(data.rejected)}</span>}
        />
      </section>
      {Object.keys(data.by_resource).length > 0 ? (
        <section className="card" aria-labelledby="resources-title">
          <h2 id="resources-title">By resource</h2>
          <DataTable
            caption="Rows by resource"
            columns={[
              { key: 'resource', header: 'Resource', cell: (row) => row[0] },
              {
                key: 'created',
                header: 'Created',
                align: 'right',
                cell: (row) => formatNumber(row[1].created),
              },
              {
                key: 'updated',
                header: 'Updated',
                align: 'right',
                cell: (row) => formatNumber(row[1].updated),
              },
            ]}
            rows={Object.entries(data.by_resource)}
            rowKey={(row) => row[0]}
          />
        </section>
      ) : null}
      {data.scoring_job_id !== null ? (
        <section className="card" aria-labelledby="rescoring-title">
          <h2 id="rescoring-title">Scores</h2>
          <p className="small muted">
            The import changed what lead scores are made of, so every lead is rescored under the scoring
            model; leads that reach the MQL score are handed to sales.
          </p>
          <JobProgress jobId={data.scoring_job_id} />
        </section>
      ) : null}
      {done ? <Rejections importId={data.id} count={data.rejected} /> : <p className="muted">{DASH}</p>}
    </>
  );
}
