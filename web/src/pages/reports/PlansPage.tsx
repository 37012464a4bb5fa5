import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, fetchAllPages, type Page } from '../../api/client.ts';
import { useUserNames } from '../../api/hooks.ts';
import type { PlanSummary } from '../../api/types.ts';
import { type Column, DataTable, Pager } from '../../components/DataTable.tsx';
import { ExportButton } from '../../components/ExportButton.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { PeriodField } from '../../components/PeriodField.tsx';
import { ErrorState, LoadingState } from '../../components/States.tsx';
import { DASH, formatDateTime, formatMoney, formatNumber, formatPercent } from '../../lib/format.ts';
import { periodLabel } from '../../lib/periods.ts';
import { useCursorPaging, useUrlFilters } from '../../lib/url-state.ts';

export default function PlansPage() {
  usePageTitle('Saved plans');
  const filters = useUrlFilters(['period'] as const);
  const paging = useCursorPaging();
  const userNames = useUserNames();
  const query = { period: filters.values.period };
  const plans = useQuery({
    queryKey: ['plans', query, paging.cursor],
    queryFn: ({ signal }) =>
      api<Page<PlanSummary>>('/plans', { query: { ...query, limit: 50, cursor: paging.cursor }, signal }),
    placeholderData: keepPreviousData,
  });
  const columns: Column<PlanSummary>[] = [
    {
      key: 'name',
      header: 'Plan',
      cell: (row) => (
        <Link className="strong-link" to={`/plans/${row.id}`}>
          {row.name}
        </Link>
      ),
      csv: (row) => row.name,
    },
    { key: 'period', header: 'Period', cell: (row) => periodLabel(row.period), csv: (row) => row.period },
    {
      key: 'revenue',
      header: 'Revenue goal',
      align: 'right',
      cell: (row) => formatMoney(row.revenue),
      csv: (row) => row.revenue,
    },
    {
      key: 'share',
      header: 'Marketing-sourced',
      align: 'right',
      cell: (row) => formatPercent(row.marketing_share),
      csv: (row) => row.marketing_share,
    },
    {
      key: 'deals',
      header: 'Deals',
      align: 'right',
      cell: (row) => formatNumber(row.deals),
      csv: (row) => row.deals,
    },
    {
      key: 'leads',
      header: 'Leads',
      align: 'right',
      cell: (row) => formatNumber(row.leads),
      csv: (row) => row.leads,
    },
    {
      key: 'budget',
      header: 'Marketing budget',
      align: 'right',
      cell: (row) => formatMoney(row.marketing_budget),
      csv: (row) => row.marketing_budget,
    },
    {
      key: 'by',
      header: 'Saved by',
      cell: (row) => (row.created_by ? (userNames.get(row.created_by) ?? DASH) : DASH),
      csv: (row) => (row.created_by ? userNames.get(row.created_by) : ''),
    },
    {
      key: 'created',
      header: 'Saved',
      cell: (row) => formatDateTime(row.created_at),
      csv: (row) => row.created_at,
    },
  ];
  return (
    <>
      <PageHeader
        title="Saved plans"
        description="Plans saved from the planner, each tracked against actuals."
        actions={
          <>
            <ExportButton
              filename="tandem-plans"
              columns={columns}
              fetchRows={async (onProgress) =>
                (await fetchAllPages<PlanSummary>('/plans', query, { onProgress })).items
              }
            />
            <Link className="btn btn-primary" to="/plan">
              New plan
            </Link>
          </>
        }
      />
      <form className="filters card" aria-label="Plan filters" onSubmit={(event) => event.preventDefault()}>
        <PeriodField value={filters.values.period} onChange={(period) => filters.set({ period })} />
        <div className="filters-actions">
          <button
            type="button"
            className="btn btn-ghost"
            onClick={filters.clear}
            disabled={filters.active === 0}
          >
            All periods
          </button>
        </div>
      </form>
      {plans.isPending ? (
        <LoadingState label="Loading plans" />
      ) : plans.isError ? (
        <ErrorState error={plans.error} title="Could not load the plans" retry={() => void plans.refetch()} />
      ) : (
        <section className="card">
          <DataTable
            caption="Saved plans"
            columns={columns}
            rows={plans.data.items}
            rowKey={(row) => row.id}
            empty="No saved plans yet. Work out a plan in the planner and save it."
          />
          <Pager
            pageNumber={paging.pageNumber}
            hasPrevious={paging.hasPrevious}
            hasNext={plans.data.next_cursor !== null}
            onPrevious={paging.previousPage}
            onNext={() => plans.data.next_cursor && paging.nextPage(plans.data.next_cursor)}
            shown={plans.data.items.length}
          />
        </section>
      )}
    </>
  );
}
