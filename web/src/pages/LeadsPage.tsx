import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { api, fetchAllPages, type Page } from '../api/client.ts';
import { useUserNames, useUsers } from '../api/hooks.ts';
import type { Lead } from '../api/types.ts';
import { TEMPERATURES } from '../api/types.ts';
import { DataTable, Pager } from '../components/DataTable.tsx';
import { ExportButton } from '../components/ExportButton.tsx';
import { CheckboxField, SelectField, TextField } from '../components/Form.tsx';
import { PageHeader, usePageTitle } from '../components/PageHeader.tsx';
import { ErrorState, LoadingState } from '../components/States.tsx';
import { leadColumns, stageOptions } from '../features/leads.tsx';
import { slug } from '../lib/csv.ts';
import { titleCase } from '../lib/format.ts';
import { useCursorPaging, useUrlFilters } from '../lib/url-state.ts';

const FILTER_KEYS = [
  'q',
  'stage',
  'owner_id',
  'unassigned',
  'source',
  'temperature',
  'min_score',
  'created_from',
  'created_to',
  'ids',
  'sort',
] as const;

const PAGE_SIZE = 50;

/** A text filter that applies on Enter or when focus leaves it, not on every key. */
function CommitField({
  label,
  value,
  onCommit,
  type = 'text',
  ...rest
}: {
  label: string;
  value: string;
  onCommit: (value: string) => void;
  type?: string;
  placeholder?: string;
  min?: number;
}) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const commit = () => {
    if (draft !== value) onCommit(draft);
  };
  return (
    <TextField
      label={label}
      type={type}
      value={draft}
      onChange={(event) => {
        setDraft(event.target.value);
        // Pickers (dates) have no typing phase: apply at once.
        if (type === 'date') onCommit(event.target.value);
      }}
      onBlur={commit}
      onKeyDown={(event) => {
        if (event.key === 'Enter') {
          event.preventDefault();
          commit();
        }
      }}
      {...rest}
    />
  );
}

export default function LeadsPage() {
  usePageTitle('Leads');
  const filters = useUrlFilters(FILTER_KEYS);
  const paging = useCursorPaging();
  const users = useUsers();
  const userNames = useUserNames();
  const values = filters.values;
  const sort = values.sort || '-created_at';

  const query = {
    q: values.q,
    stage: values.stage,
    owner_id: values.owner_id,
    unassigned: values.unassigned,
    source: values.source,
    temperature: values.temperature,
    min_score: values.min_score,
    created_from: values.created_from,
    created_to: values.created_to,
    ids: values.ids,
    sort,
  };

  const leads = useQuery({
    queryKey: ['leads', query, paging.cursor],
    queryFn: ({ signal }) =>
      api<Page<Lead>>('/leads', { query: { ...query, limit: PAGE_SIZE, cursor: paging.cursor }, signal }),
    placeholderData: keepPreviousData,
  });

  const columns = leadColumns(userNames);
  const title = values.stage ? `Leads: ${values.stage.split(',').map(titleCase).join(', ')}` : 'Leads';

  return (
    <>
      <PageHeader
        title={title}
        description="Every lead in the workspace. Filters are part of the address, so you can share this view."
        actions={
          <ExportButton
            filename={slug(`tandem ${title}`)}
            columns={columns}
            fetchRows={async (onProgress) =>
              (await fetchAllPages<Lead>('/leads', query, { onProgress })).items
            }
            label="Export all (CSV)"
          />
        }
      />
      <form
        className="filters card"
        aria-label="Lead filters"
        onSubmit={(event: FormEvent) => event.preventDefault()}
      >
        <CommitField
          label="Search"
          placeholder="Name, email or company"
          value={values.q}
          onCommit={(q) => filters.set({ q })}
        />
        <SelectField
          label="Stage"
          placeholder="Any stage"
          value={values.stage}
          onChange={(event) => filters.set({ stage: event.target.value })}
          options={[
            ...(values.stage.includes(',')
              ? [{ value: values.stage, label: values.stage.toUpperCase() }]
              : []),
            ...stageOptions(),
          ]}
        />
        <SelectField
          label="Owner"
          placeholder="Anyone"
          value={values.owner_id}
          onChange={(event) => filters.set({ owner_id: event.target.value, unassigned: null })}
          options={(users.data ?? [])
            .filter(
              (user) => user.role === 'sales' || user.role === 'sdr' || String(user.id) === values.owner_id,
            )
            .map((user) => ({ value: String(user.id), label: user.name }))}
        />
        <SelectField
          label="Temperature"
          placeholder="Any"
          value={values.temperature}
          onChange={(event) => filters.set({ temperature: event.target.value })}
          options={TEMPERATURES.map((temperature) => ({ value: temperature, label: titleCase(temperature) }))}
        />
        <CommitField label="Source" value={values.source} onCommit={(source) => filters.set({ source })} />
        <CommitField
          label="Minimum score"
          type="number"
          value={values.min_score}
          onCommit={(min_score) => filters.set({ min_score })}
        />
        <CommitField
          label="Created from"
          type="date"
          value={values.created_from}
          onCommit={(created_from) => filters.set({ created_from })}
        />
        <CommitField
          label="Created before"
          type="date"
          value={values.created_to}
          onCommit={(created_to) => filters.set({ created_to })}
        />
        <CheckboxField
          label="Unassigned only"
          checked={values.unassigned === 'true'}
          onChange={(event) =>
            filters.set({ unassigned: event.target.checked ? 'true' : null, owner_id: null })
          }
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
      {values.ids ? (
        <p className="chip-row">
          <span className="chip">
            Showing the {values.ids.split(',').length} leads behind a report figure
            <button
              type="button"
              className="btn-icon btn-ghost"
              aria-label="Show all leads"
              onClick={() => filters.set({ ids: null })}
            >
              ×
            </button>
          </span>
        </p>
      ) : null}
      {leads.isPending ? (
        <LoadingState label="Loading leads" />
      ) : leads.isError ? (
        <ErrorState error={leads.error} title="Could not load the leads" retry={() => void leads.refetch()} />
      ) : (
        <section className="card" aria-busy={leads.isFetching}>
          <DataTable
            caption="Leads"
            columns={columns}
            rows={leads.data.items}
            rowKey={(lead) => lead.id}
            sort={{ value: sort, onChange: (next) => filters.set({ sort: next }) }}
            empty={
              filters.active > 0
                ? 'No lead matches these filters.'
                : 'No leads yet. Import a CSV or post to the API.'
            }
          />
          <Pager
            pageNumber={paging.pageNumber}
            hasPrevious={paging.hasPrevious}
            hasNext={leads.data.next_cursor !== null}
            onPrevious={paging.previousPage}
            onNext={() => leads.data.next_cursor && paging.nextPage(leads.data.next_cursor)}
            shown={leads.data.items.length}
          />
        </section>
      )}
    </>
  );
}
