import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, apiBlob, type Page } from '../../api/client.ts';
import { useUserNames } from '../../api/hooks.ts';
import type { Import } from '../../api/types.ts';
import { type Column, DataTable, Pager } from '../../components/DataTable.tsx';
import { SelectField } from '../../components/Form.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { ErrorState, FormError, LoadingState } from '../../components/States.tsx';
import { ImportStatus } from '../../features/imports.tsx';
import { downloadBlob } from '../../lib/csv.ts';
import { DASH, formatDateTime, formatNumber, formatPercent } from '../../lib/format.ts';
import { useCursorPaging } from '../../lib/url-state.ts';

export const IMPORT_FORMATS = [
  { value: 'tandem', label: 'Tandem CSV (one file per resource)' },
  { value: 'hubspot', label: 'HubSpot export' },
  { value: 'salesforce', label: 'Salesforce export' },
  { value: 'olist', label: 'Olist marketing funnel dataset' },
  { value: 'maven-crm', label: 'Maven CRM sales pipeline dataset' },
] as const;

const RESOURCES = [
  'users',
  'teams',
  'accounts',
  'products',
  'campaigns',
  'leads',
  'opportunities',
  'touchpoints',
  'activities',
];

function UploadForm() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const fileId = useId();
  const files = useRef<HTMLInputElement>(null);
  const [format, setFormat] = useState<string>('tandem');
  const [resource, setResource] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const upload = useMutation({
    mutationFn: () => {
      const form = new FormData();
      form.append('format', format);
      if (resource) form.append('resource', resource);
      for (const file of Array.from(files.current?.files ?? [])) form.append('files', file, file.name);
      return api<Import>('/imports', { method: 'POST', body: form });
    },
    onSuccess: (started) => {
      void queryClient.invalidateQueries({ queryKey: ['imports'] });
      navigate(`/settings/imports/${started.id}`);
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    upload.mutate();
  }
  return (
    <form className="card stack" onSubmit={submit} aria-label="Upload a CSV">
      <h2>Upload</h2>
      <div className="filters">
        <SelectField
          label="Format"
          value={format}
          onChange={(event) => setFormat(event.target.value)}
          options={IMPORT_FORMATS}
        />
        {format === 'tandem' ? (
          <SelectField
            label="The files hold"
            placeholder="Tell from each file name"
            value={resource}
            onChange={(event) => setResource(event.target.value)}
            options={RESOURCES.map((name) => ({ value: name, label: name }))}
          />
        ) : null}
        <div className="field">
          <label htmlFor={fileId}>CSV files</label>
          <input
            id={fileId}
            ref={files}
            type="file"
            accept=".csv,text/csv"
            multiple
            required
            onChange={(event) => setChosen(Array.from(event.target.files ?? []).map((file) => file.name))}
          />
        </div>
      </div>
      <p className="muted small">
        Nothing is dropped silently: every row that cannot be imported is listed with its line and the reason,
        and can be downloaded to fix and upload again.
      </p>
      {upload.isError ? <FormError error={upload.error} /> : null}
      <div>
        <button type="submit" className="btn btn-primary" disabled={upload.isPending || chosen.length === 0}>
          {upload.isPending
            ? 'Uploading…'
            : `Import ${chosen.length > 1 ? `${chosen.length} files` : 'file'}`}
        </button>
      </div>
    </form>
  );
}

/** Everything of one resource in the native columns: a backup, or a file to fix and import again. */
function ExportForm() {
  const [resource, setResource] = useState('leads');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      downloadBlob(`${resource}.csv`, await apiBlob(`/exports/${resource}`, { query: { format: 'csv' } }));
    } catch (cause) {
      setError(cause);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="card filters" onSubmit={(event) => void submit(event)} aria-label="Export a resource">
      <SelectField
        label="Export every"
        value={resource}
        onChange={(event) => setResource(event.target.value)}
        options={RESOURCES.map((name) => ({ value: name, label: name }))}
        hint="In the native columns; the file imports again as format Tandem."
      />
      <div className="filters-actions">
        <button type="submit" className="btn" disabled={busy}>
          {busy ? 'Exporting…' : 'Download CSV'}
        </button>
      </div>
      {error ? <FormError error={error} /> : null}
    </form>
  );
}

export default function ImportsPage() {
  usePageTitle('Imports');
  const paging = useCursorPaging();
  const userNames = useUserNames();
  const imports = useQuery({
    queryKey: ['imports', paging.cursor],
    queryFn: ({ signal }) =>
      api<Page<Import>>('/imports', { query: { limit: 20, cursor: paging.cursor }, signal }),
    placeholderData: keepPreviousData,
    refetchInterval: (query) =>
      query.state.data?.items.some((row) => row.status === 'queued' || row.status === 'running')
        ? 2000
        : false,
  });
  const columns: Column<Import>[] = [
    {
      key: 'id',
      header: 'Import',
      cell: (row) => (
        <Link className="strong-link" to={`/settings/imports/${row.id}`}>
          #{row.id} {row.format}
          {row.resource ? ` ${row.resource}` : ''}
        </Link>
      ),
    },
    {
      key: 'files',
      header: 'Files',
      cell: (row) =>
        row.files
          .map((file) => String(file.name ?? ''))
          .filter(Boolean)
          .join(', ') || DASH,
    },
    { key: 'status', header: 'Status', cell: (row) => <ImportStatus status={row.status} /> },
    { key: 'progress', header: 'Progress', align: 'right', cell: (row) => formatPercent(row.progress, 0) },
    { key: 'created', header: 'Created', align: 'right', cell: (row) => formatNumber(row.created) },
    { key: 'updated', header: 'Updated', align: 'right', cell: (row) => formatNumber(row.updated) },
    {
      key: 'rejected',
      header: 'Rejected',
      align: 'right',
      cell: (row) => (
        <span className={row.rejected > 0 ? 'text-bad' : undefined}>{formatNumber(row.rejected)}</span>
      ),
    },
    {
      key: 'by',
      header: 'By',
      cell: (row) => (row.created_by !== null ? (userNames.get(row.created_by) ?? DASH) : DASH),
    },
    { key: 'when', header: 'Started', cell: (row) => formatDateTime(row.created_at) },
  ];
  return (
    <>
      <PageHeader
        title="Imports"
        description="Bring leads, accounts, campaigns, deals and their history in from CSV files."
      />
      <UploadForm />
      <ExportForm />
      {imports.isPending ? (
        <LoadingState label="Loading imports" />
      ) : imports.isError ? (
        <ErrorState
          error={imports.error}
          title="Could not load the imports"
          retry={() => void imports.refetch()}
        />
      ) : (
        <section className="card" aria-labelledby="imports-title">
          <h2 id="imports-title">Earlier imports</h2>
          <DataTable
            caption="Imports"
            columns={columns}
            rows={imports.data.items}
            rowKey={(row) => row.id}
            empty="No imports yet."
          />
          <Pager
            pageNumber={paging.pageNumber}
            hasPrevious={paging.hasPrevious}
            hasNext={imports.data.next_cursor !== null}
            onPrevious={paging.previousPage}
            onNext={() => imports.data.next_cursor && paging.nextPage(imports.data.next_cursor)}
            shown={imports.data.items.length}
          />
        </section>
      )}
    </>
  );
}
