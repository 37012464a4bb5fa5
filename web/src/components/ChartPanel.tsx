import { type ReactNode, useId, useState } from 'react';
import { EChart } from '../charts/EChart.tsx';
import type { ChartOption, ECElementEvent } from '../charts/echarts.ts';
import { type Column, DataTable } from './DataTable.tsx';
import { ExportButton } from './ExportButton.tsx';

/**
 * A chart with its figures one click away: a table view of the same rows and a CSV
 * export. Every chart in the app goes through this panel.
 */
export function ChartPanel<Row>({
  title,
  description,
  option,
  columns,
  rows,
  rowKey,
  filename,
  height,
  onItemClick,
  actions,
  defaultView = 'chart',
}: {
  title: string;
  description?: ReactNode;
  option: ChartOption;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row) => string | number;
  filename: string;
  height?: number;
  onItemClick?: (event: ECElementEvent) => void;
  actions?: ReactNode;
  defaultView?: 'chart' | 'table';
}) {
  const [view, setView] = useState<'chart' | 'table'>(defaultView);
  const headingId = useId();
  return (
    <section className="card chart-panel" aria-labelledby={headingId}>
      <div className="card-header">
        <div>
          <h2 id={headingId}>{title}</h2>
          {description ? <p className="muted small">{description}</p> : null}
        </div>
        <div className="card-actions">
          {actions}
          <fieldset className="segmented">
            <legend className="visually-hidden">View of {title}</legend>
            <button type="button" aria-pressed={view === 'chart'} onClick={() => setView('chart')}>
              Chart
            </button>
            <button type="button" aria-pressed={view === 'table'} onClick={() => setView('table')}>
              Table
            </button>
          </fieldset>
          <ExportButton filename={filename} columns={columns} rows={rows} />
        </div>
      </div>
      {view === 'chart' ? (
        <EChart option={option} label={title} height={height} onItemClick={onItemClick} />
      ) : (
        <DataTable caption={title} columns={columns} rows={rows} rowKey={rowKey} />
      )}
    </section>
  );
}
