import { AppError } from '../../../shared/errors.ts';
import type { CsvRow } from '../csv.ts';
import type { ImportFormat, ResourceName } from '../imports.ts';
import type { Fields } from '../records.ts';

/**
 * A format adapter turns the rows of its files into native records (records.ts) that the
 * engine validates and writes. One source row becomes one unit: all its records are
 * written or none is (an olist closed deal is an opportunity and its lead's move to
 * customer).
 */

export interface InputFile {
  path: string;
  /** The name the user knows the file by (the upload's name, or the path's base name). */
  name: string;
}

export interface UnitRecord {
  resource: ResourceName;
  fields: Fields;
  /**
   * Derived records (a lead update implied by a deal row) are not checked for duplicates
   * within the file: only the record the row is about is.
   */
  derived?: boolean;
  /** Update an existing record only; never create one (leads only). */
  mustExist?: boolean;
}

export interface Unit {
  /** Line of the row in its file, the header being line 1. */
  line: number;
  raw: string;
  records: UnitRecord[];
  /** A problem the adapter found before validation (a bad value in a column it translates). */
  problem?: string;
  /** False for units an adapter adds that are not rows of the file (one per team manager). */
  counted?: boolean;
}

export interface ImportStep {
  file: InputFile;
  /** What the step imports, for messages ("HubSpot contacts"). */
  description: string;
  /** Resources whose own rows this step writes (references aside). */
  resources: ResourceName[];
  /** Data rows in the file (for progress). */
  rowsTotal: number;
  /** The column of the file a native field comes from, so a reason names what the user sees. */
  columnOf(field: string): string;
  units(): AsyncIterable<Unit>;
}

export interface PlanOptions {
  /** Which resource the files hold, when their names do not say (native) or to force it. */
  resource?: string | undefined;
}

export interface FormatAdapter {
  format: ImportFormat;
  plan(files: InputFile[], options: PlanOptions): Promise<ImportStep[]>;
}

/** A file that cannot be imported at all (unknown columns, wrong kind): nothing is written. */
export function fileError(file: InputFile, message: string): AppError {
  const text = `${file.name}: ${message}`;
  return new AppError('VALIDATION_FAILED', text, { issues: [{ path: 'files', message: text }] });
}

/** The cells of a row by header name (trimmed; blank cells left out), or a problem with its shape. */
export function cellsByHeader(
  header: string[],
  row: CsvRow,
): { fields: Record<string, string> } | { problem: string } | null {
  const { cells } = row;
  if (cells.every((cell) => cell.trim() === '')) return null;
  if (cells.length !== header.length) {
    const extra = cells.slice(header.length);
    if (cells.length < header.length || extra.some((cell) => cell.trim() !== '')) {
      return { problem: `the row has ${cells.length} cells but the header has ${header.length}` };
    }
  }
  const fields: Record<string, string> = {};
  for (let index = 0; index < header.length; index++) {
    const value = cells[index];
    if (value === undefined) continue;
    const trimmed = value.trim();
    if (trimmed !== '') fields[header[index] as string] = trimmed;
  }
  return { fields };
}

/** Looks up a column by any of its known names, case- and space-insensitively. */
export class HeaderIndex {
  private readonly byKey = new Map<string, string>();

  constructor(readonly header: string[]) {
    for (const name of header) {
      const key = HeaderIndex.key(name);
      if (!this.byKey.has(key)) this.byKey.set(key, name);
    }
  }

  static key(name: string): string {
    return name.toLowerCase().replace(/[^a-z0-9]+/g, '');
  }

  /** The header name of the first alias present. */
  find(aliases: readonly string[]): string | undefined {
    for (const alias of aliases) {
      const found = this.byKey.get(HeaderIndex.key(alias));
      if (found !== undefined) return found;
    }
    return undefined;
  }

  has(aliases: readonly string[]): boolean {
    return this.find(aliases) !== undefined;
  }
}

/**
 * Maps source columns onto native fields: each native field lists the source column names
 * it may come from (first present wins). Columns no field uses go to custom fields, so an
 * export's extra columns are kept rather than dropped.
 */
export class ColumnMap {
  readonly source = new Map<string, string>();
  readonly unused: string[];

  constructor(index: HeaderIndex, aliases: Record<string, readonly string[]>) {
    const used = new Set<string>();
    for (const [field, names] of Object.entries(aliases)) {
      const column = index.find(names);
      if (column !== undefined) {
        this.source.set(field, column);
        used.add(column);
      }
    }
    this.unused = index.header.filter((column) => !used.has(column) && column !== '');
  }

  get(fields: Record<string, string>, field: string): string | undefined {
    const column = this.source.get(field);
    return column === undefined ? undefined : fields[column];
  }

  columnOf(field: string): string {
    return this.source.get(field) ?? field;
  }

  /** Non-blank values of the columns no field uses. */
  extras(fields: Record<string, string>): Record<string, string> {
    const extras: Record<string, string> = {};
    for (const column of this.unused) {
      const value = fields[column];
      if (value !== undefined) extras[column] = value;
    }
    return extras;
  }
}

/** Drops undefined values and serialises custom fields the way records.ts reads them. */
export function nativeFields(
  values: Record<string, string | number | undefined | Record<string, unknown>>,
): Fields {
  const fields: Fields = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === '') continue;
    if (typeof value === 'object') {
      if (Object.keys(value).length > 0) fields[key] = JSON.stringify(value);
      continue;
    }
    fields[key] = String(value);
  }
  return fields;
}
