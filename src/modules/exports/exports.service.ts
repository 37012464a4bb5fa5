import { stringify } from 'csv-stringify/sync';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../shared/errors.ts';
import { type Caller, requireRole } from '../auth/auth.ts';
import { NATIVE_COLUMNS } from '../imports/formats/tandem.ts';
import { isResourceName, RESOURCES, type ResourceName } from '../imports/imports.ts';
import { type ExportRow, findExportPage } from './exports.repository.ts';

export const EXPORT_FORMATS = ['csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const PAGE_SIZE = 5000;
const EXPORT_ROLES = ['admin', 'marketing', 'executive'] as const;

export function parseExportResource(value: string): ResourceName {
  if (!isResourceName(value)) {
    throw new AppError('VALIDATION_FAILED', `resource: "${value}" is not one of ${RESOURCES.join(', ')}`, {
      issues: [{ path: 'resource', message: `must be one of ${RESOURCES.join(', ')}` }],
    });
  }
  return value;
}

export function parseExportFormat(value: string): ExportFormat {
  if (!(EXPORT_FORMATS as readonly string[]).includes(value)) {
    throw new AppError('VALIDATION_FAILED', `format: "${value}" is not one of ${EXPORT_FORMATS.join(', ')}`, {
      issues: [{ path: 'format', message: `must be one of ${EXPORT_FORMATS.join(', ')}` }],
    });
  }
  return value as ExportFormat;
}

/** The columns an export of a resource has: the native import columns, in the same order. */
export function exportColumns(resource: ResourceName): string[] {
  return NATIVE_COLUMNS[resource].map((column) => column.name);
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return isEmptyObject(value) ? '' : JSON.stringify(value);
  return String(value);
}

function jsonValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  return value ?? null;
}

/** Every row of a resource, page by page in id order. */
export async function* exportPages(
  db: Kysely<DB>,
  caller: Caller,
  resource: ResourceName,
  pageSize = PAGE_SIZE,
): AsyncGenerator<ExportRow[]> {
  requireRole(caller, EXPORT_ROLES, 'export data');
  let afterId = 0;
  for (;;) {
    const rows = await findExportPage(db, resource, caller.workspaceId, afterId, pageSize);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < pageSize) return;
    afterId = Number(rows[rows.length - 1]?._id);
  }
}

/**
 * A resource as CSV (with the native import columns, so it re-imports as it is) or as a
 * JSON array, in text pieces to write one after another: memory stays at one page.
 */
export async function* exportResource(
  db: Kysely<DB>,
  caller: Caller,
  resource: ResourceName,
  format: ExportFormat,
  options: { pageSize?: number } = {},
): AsyncGenerator<string> {
  // Checked before the first piece, so a refusal is an error response, not a cut stream.
  requireRole(caller, EXPORT_ROLES, 'export data');
  const columns = exportColumns(resource);
  const pages = exportPages(db, caller, resource, options.pageSize);
  if (format === 'csv') {
    yield stringify([columns]);
    for await (const rows of pages) {
      yield stringify(rows.map((row) => columns.map((column) => csvCell(row[column]))));
    }
    return;
  }
  let first = true;
  yield '[';
  for await (const rows of pages) {
    const objects = rows.map((row) => {
      const object: Record<string, unknown> = {};
      for (const column of columns) object[column] = jsonValue(row[column]);
      return JSON.stringify(object);
    });
    yield `${first ? '\n' : ',\n'}${objects.join(',\n')}`;
    first = false;
  }
  yield first ? ']\n' : '\n]\n';
}
