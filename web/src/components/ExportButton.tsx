import { useState } from 'react';
import { type CsvCell, downloadCsv, toCsv } from '../lib/csv.ts';
import type { Column } from './DataTable.tsx';

/** Columns that say how to export themselves, as CSV text. */
export function columnsToCsv<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  const exported = columns.filter((column) => column.csv);
  return toCsv(
    exported.map((column) => column.header),
    rows.map((row) => exported.map((column) => column.csv!(row) as CsvCell)),
  );
}

/**
 * Downloads a CSV of the rows shown or, with fetchRows, of every row behind the current
 * filters (walking the server's pages).
 */
export function ExportButton<Row>({
  filename,
  columns,
  rows,
  fetchRows,
  label = 'Export CSV',
}: {
  filename: string;
  columns: readonly Column<Row>[];
  rows?: readonly Row[];
  fetchRows?: (onProgress: (count: number) => void) => Promise<readonly Row[]>;
  label?: string;
}) {
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function run() {
    setError(null);
    try {
      let data = rows ?? [];
      if (fetchRows) {
        setProgress(0);
        data = await fetchRows((count) => setProgress(count));
      }
      downloadCsv(filename.endsWith('.csv') ? filename : `${filename}.csv`, columnsToCsv(columns, data));
    } catch (cause) {
      setError(cause instanceof Error ? cause.message : 'The export failed');
    } finally {
      setProgress(null);
    }
  }

  return (
    <span className="export">
      <button type="button" className="btn" onClick={() => void run()} disabled={progress !== null}>
        {progress !== null ? `Exporting… ${progress} rows` : label}
      </button>
      {error ? (
        <span role="alert" className="error-text">
          {error}
        </span>
      ) : null}
    </span>
  );
}
