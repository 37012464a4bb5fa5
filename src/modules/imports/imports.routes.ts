import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { App } from '../../server/types.ts';
import { AppError, validationError } from '../../shared/errors.ts';
import { isoOrNull } from '../../shared/time.ts';
import { requireRole } from '../auth/auth.ts';
import type { ImportRow } from './imports.repository.ts';
import {
  type ApiImport,
  importIdParams,
  importPageSchema,
  importSchema,
  listImportsQuery,
  rejectionPageSchema,
} from './imports.schemas.ts';
import * as importsService from './imports.service.ts';
import type { ResourceBreakdown } from './imports.ts';

export function toApiImport(row: ImportRow): ApiImport {
  const summary = row.summary as { by_resource?: ResourceBreakdown; scoring_job_id?: number } | null;
  const byResource = (summary?.by_resource ?? {}) as Record<string, { created: number; updated: number }>;
  return {
    id: row.id,
    format: row.format,
    resource: row.resource,
    status: row.status,
    files: (row.files as Record<string, unknown>[]) ?? [],
    rows_total: row.rows_total,
    rows_read: row.rows_read,
    created: row.rows_created,
    updated: row.rows_updated,
    rejected: row.rows_rejected,
    progress:
      row.status === 'completed'
        ? 1
        : row.rows_total
          ? Math.min(1, row.rows_read / row.rows_total)
          : row.rows_total === 0
            ? 1
            : null,
    by_resource: byResource,
    error: row.error,
    scoring_job_id: summary?.scoring_job_id ?? null,
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
    started_at: isoOrNull(row.started_at),
    finished_at: isoOrNull(row.finished_at),
  };
}

/** A file name safe to use inside the upload's temporary directory. */
function safeName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? 'upload.csv';
  return base.replace(/[^\w.-]+/g, '_').slice(0, 120) || 'upload.csv';
}

export function registerImportRoutes(api: App): void {
  // An import interrupted by a restart must not stay "running": at start-up, mark the ones
  // whose process is gone as failed (all of them on the single-process embedded store).
  api.addHook('onReady', async () => {
    await importsService.failInterruptedImports(
      api.db,
      api.database.kind === 'pglite' ? 'startup-embedded' : 'postgres',
    );
  });

  api.post(
    '/imports',
    {
      schema: {
        tags: ['imports'],
        summary:
          'Upload files to import (multipart/form-data); answers 202 at once, the import runs in the background',
        description:
          'Fields: `format` (tandem, hubspot, salesforce, olist, maven-crm), optional `resource` (which resource a ' +
          'native file holds when its name does not say), and one or more files. Poll GET /imports/{id} for progress; ' +
          'rejected rows are at /imports/{id}/rejections. Admins and marketing only.',
        consumes: ['multipart/form-data'],
        response: { 202: importSchema },
      },
    },
    async (request, reply) => {
      requireRole(request.actor, ['admin', 'marketing'], 'import data');
      if (!request.isMultipart()) {
        throw validationError([
          { path: '(body)', message: 'send multipart/form-data with a format field and one or more files' },
        ]);
      }
      const dir = await mkdtemp(join(tmpdir(), 'tandem-import-'));
      let started = false;
      try {
        const files: { path: string; name: string }[] = [];
        let format: string | undefined;
        let resource: string | undefined;
        for await (const part of request.parts()) {
          if (part.type === 'file') {
            const path = join(dir, `${files.length + 1}-${safeName(part.filename)}`);
            await pipeline(part.file, createWriteStream(path));
            if (part.file.truncated)
              throw new AppError('PAYLOAD_TOO_LARGE', `${part.filename}: the file is too large`);
            files.push({ path, name: part.filename || safeName(part.filename) });
          } else if (part.fieldname === 'format') {
            format = String(part.value).trim();
          } else if (part.fieldname === 'resource') {
            resource = String(part.value).trim() || undefined;
          }
        }
        if (!format) throw validationError([{ path: 'format', message: 'is required' }]);
        if (files.length === 0)
          throw validationError([{ path: 'files', message: 'upload at least one file' }]);
        const importRequest = { format, files, ...(resource ? { resource } : {}) };
        // Header problems (unknown format, columns, permissions) are answered now, not polled for.
        await importsService.planImport(request.actor, importRequest);
        const row = await importsService.createImport(api.db, request.actor, importRequest);
        started = true;
        const actor = request.actor;
        const log = request.log;
        void importsService
          .runImport(api.db, actor, { ...importRequest, importId: row.id })
          .catch((error: unknown) => log.error({ err: error, importId: row.id }, 'import failed'))
          .finally(() => rm(dir, { recursive: true, force: true }));
        return reply.status(202).send(toApiImport(row));
      } finally {
        if (!started) await rm(dir, { recursive: true, force: true });
      }
    },
  );

  api.get(
    '/imports',
    {
      schema: {
        tags: ['imports'],
        summary: 'Imports of the workspace, newest first',
        querystring: listImportsQuery,
        response: { 200: importPageSchema },
      },
    },
    async (request) => {
      const page = await importsService.findImports(api.db, request.actor, request.query);
      return { items: page.items.map(toApiImport), next_cursor: page.next_cursor };
    },
  );

  api.get(
    '/imports/:id',
    {
      schema: {
        tags: ['imports'],
        summary: 'Status and progress of an import (poll while status is queued or running)',
        params: importIdParams,
        response: { 200: importSchema },
      },
    },
    async (request) => toApiImport(await importsService.getImport(api.db, request.actor, request.params.id)),
  );

  api.get(
    '/imports/:id/rejections',
    {
      schema: {
        tags: ['imports'],
        summary: 'Rejected rows of an import with their file, line and reason, in file order',
        params: importIdParams,
        querystring: listImportsQuery,
        response: { 200: rejectionPageSchema },
      },
    },
    async (request) => {
      const page = await importsService.findRejections(
        api.db,
        request.actor,
        request.params.id,
        request.query,
      );
      return {
        items: page.items.map((row) => ({
          id: row.id,
          file: row.file,
          line: row.line,
          reason: row.reason,
          raw: row.raw,
        })),
        next_cursor: page.next_cursor,
      };
    },
  );

  api.get(
    '/imports/:id/rejections.csv',
    {
      schema: {
        tags: ['imports'],
        summary: 'Rejected rows of an import as CSV (file, line, reason, raw)',
        params: importIdParams,
      },
    },
    async (request, reply) => {
      const row = await importsService.getImport(api.db, request.actor, request.params.id);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="import-${row.id}-rejections.csv"`)
        .send(Readable.from(importsService.rejectionsCsv(api.db, row.id)));
    },
  );
}
