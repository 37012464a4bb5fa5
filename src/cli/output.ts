import { stringify } from 'csv-stringify/sync';

export type OutputFormat = 'json' | 'csv' | 'md' | 'table';

export function outputFormat(options: { json?: boolean; csv?: boolean; md?: boolean }): OutputFormat {
  if (options.json) return 'json';
  if (options.csv) return 'csv';
  if (options.md) return 'md';
  return 'table';
}

export type Cell = string | number | boolean | null | undefined;

function formatCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number')
    return Number.isInteger(value) ? String(value) : value.toFixed(4).replace(/\.?0+$/, '');
  return String(value);
}

/** A table as CSV (RFC 4180), Markdown or aligned plain text. */
export function renderTable(
  columns: string[],
  rows: Cell[][],
  format: Exclude<OutputFormat, 'json'>,
): string {
  const text = rows.map((row) => row.map(formatCell));
  if (format === 'csv') return stringify([columns, ...text]).trimEnd();
  if (format === 'md') {
    const escapeCell = (cell: string) => cell.replaceAll('|', '\\|');
    return [
      `| ${columns.map(escapeCell).join(' | ')} |`,
      `| ${columns.map(() => '---').join(' | ')} |`,
      ...text.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
    ].join('\n');
  }
  const widths = columns.map((column, index) =>
    Math.max(column.length, ...text.map((row) => (row[index] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((width) => '-'.repeat(width))), ...text.map(line)].join('\n');
}

/** Prints a report: its JSON as is, or its table in the chosen format. */
export function printReport(
  format: OutputFormat,
  json: unknown,
  table: () => { columns: string[]; rows: Cell[][] },
): void {
  if (format === 'json') {
    console.log(JSON.stringify(json, null, 2));
    return;
  }
  const { columns, rows } = table();
  console.log(renderTable(columns, rows, format));
}
