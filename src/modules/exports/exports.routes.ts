import { Readable } from 'node:stream';
import { z } from 'zod';
import type { App } from '../../server/types.ts';
import { RESOURCES } from '../imports/imports.ts';
import { EXPORT_FORMATS, exportResource } from './exports.service.ts';

const params = z.object({ resource: z.enum(RESOURCES) });
const query = z.object({
  format: z.enum(EXPORT_FORMATS).default('csv').describe('csv (the native import columns) or json'),
});

export function registerExportRoutes(api: App): void {
  api.get(
    '/exports/:resource',
    {
      schema: {
        tags: ['imports'],
        summary:
          'Export every record of a resource with the native import columns (CSV or JSON), streamed; re-imports with POST /imports (format tandem)',
        params,
        querystring: query,
      },
    },
    async (request, reply) => {
      const { resource } = request.params;
      const { format } = request.query;
      const pieces = exportResource(api.db, request.actor, resource, format);
      // The first piece checks the caller's role before any byte is sent.
      const first = await pieces.next();
      async function* body() {
        if (!first.done) yield first.value;
        yield* pieces;
      }
      return reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${resource}.${format}"`)
        .send(Readable.from(body()));
    },
  );
}
