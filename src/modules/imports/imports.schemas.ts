import { z } from 'zod';
import { cursorSchema, limitSchema, pageSchema } from '../../shared/pagination.ts';

export const importIdParams = z.object({ id: z.coerce.number().int().positive() });

const counts = z.object({ created: z.number().int(), updated: z.number().int() });

export const importSchema = z.object({
  id: z.number().int(),
  format: z.string(),
  resource: z.string().nullable(),
  status: z.enum(['queued', 'running', 'completed', 'failed']),
  files: z.array(z.record(z.string(), z.unknown())).describe('The files and what each imports'),
  rows_total: z.number().int().nullable().describe('Data rows in the files (known once the run starts)'),
  rows_read: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  rejected: z.number().int(),
  progress: z.number().min(0).max(1).nullable().describe('rows_read / rows_total'),
  by_resource: z.record(z.string(), counts),
  error: z.string().nullable().describe('Why a failed import stopped'),
  scoring_job_id: z
    .number()
    .int()
    .nullable()
    .describe(
      'The job rescoring every lead after the import (GET /scoring/jobs/{id}); null when the import wrote nothing that scores or no scoring model was saved',
    ),
  created_by: z.number().int().nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});
export type ApiImport = z.infer<typeof importSchema>;

export const importPageSchema = pageSchema(importSchema);

export const listImportsQuery = z.object({ limit: limitSchema, cursor: cursorSchema });

export const rejectionSchema = z.object({
  id: z.number().int(),
  file: z.string(),
  line: z.number().int().describe('Line in the file, the header being line 1'),
  reason: z.string().describe('The column and what is wrong with it'),
  raw: z.string().describe('The row as it was in the file'),
});

export const rejectionPageSchema = pageSchema(rejectionSchema);
