import type { ReactNode } from 'react';
import type { CsvCell } from '../lib/csv.ts';

export interface Column<Row> {
  key: string;
  header: string;
  cell: (row: Row) => ReactNode;
  /** The value written to CSV exports; columns without it are left out of exports. */
  csv?: (row: Row) => CsvCell;
  align?: 'left' | 'right' | 'center';
  /** Server-side sort key; makes the header a sort button. */
  sort?: string;
}

export interface SortState {
  /** 'score' ascending or '-score' descending. */
  value: string;
  onChange: (next: string) => void;
}

function SortHeader<Row>({ column, sort }: { column: Column<Row>; sort: SortState }) {
  const active = sort.value.replace(/^-/, '') === column.sort;
  const descending = sort.value.startsWith('-');
  const next = active && descending ? column.sort! : `-${column.sort!}`;
  return (
    <button
      type="button"
      className="sort-button"
      onClick={() => sort.onChange(next)}
      aria-label={`Sort by ${column.header} ${next.startsWith('-') ? 'descending' : 'ascending'}`}
    >
      {column.header}
      <span aria-hidden="true" className="sort-indicator">
        {active ? (descending ? '▼' : '▲') : '↕'}
      </span>
    </button>
  );
}

/** A semantic table; sorting and paging happen on the server. */
export function DataTable<Row>({
  caption,
  columns,
  rows,
  rowKey,
  sort,
  empty,
  footer,
  rowClassName,
}: {
  caption: string;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row) => string | number;
  sort?: SortState;
  empty?: ReactNode;
  footer?: ReactNode;
  rowClassName?: (row: Row) => string | undefined;
}) {
  return (
    <div className="table-wrap">
      <table className="data-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => {
              const active = sort && column.sort && sort.value.replace(/^-/, '') === column.sort;
              return (
                <th
                  key={column.key}
                  scope="col"
                  className={column.align ? `align-${column.align}` : undefined}
                  aria-sort={active ? (sort.value.startsWith('-') ? 'descending' : 'ascending') : undefined}
                >
                  {sort && column.sort ? <SortHeader column={column} sort={sort} /> : column.header}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="table-empty">
                {empty ?? 'Nothing to show.'}
              </td>
            </tr>
          ) : (
            rows.map((row) => (
              <tr key={rowKey(row)} className={rowClassName?.(row)}>
                {columns.map((column) => (
                  <td key={column.key} className={column.align ? `align-${column.align}` : undefined}>
                    {column.cell(row)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
        {footer ? <tfoot>{footer}</tfoot> : null}
      </table>
    </div>
  );
}

export function Pager({
  pageNumber,
  hasPrevious,
  hasNext,
  onPrevious,
  onNext,
  shown,
}: {
  pageNumber: number;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
  shown: number;
}) {
  return (
    <nav className="pager" aria-label="Pages">
      <span className="muted">
        Page {pageNumber} · {shown} {shown === 1 ? 'row' : 'rows'}
      </span>
      <div className="pager-buttons">
        <button type="button" className="btn" onClick={onPrevious} disabled={!hasPrevious}>
          ← Previous
        </button>
        <button type="button" className="btn" onClick={onNext} disabled={!hasNext}>
          Next →
        </button>
      </div>
    </nav>
  );
}
