import { once } from 'node:events';
import { constants, createWriteStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { basename } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Kysely } from 'kysely';
import type { StoreKind } from '../../db/database.ts';
import type { DB } from '../../db/schema.ts';
import { analyzeTables } from '../../db/statistics.ts';
import { AppError } from '../../shared/errors.ts';
import { decodeCursor, encodeCursor, type Page } from '../../shared/pagination.ts';
import { type Caller, requireRole } from '../auth/auth.ts';
import { kickScoringJobs, queueRescore } from '../scoring/scoring.service.ts';
import type { FormatAdapter, ImportStep, InputFile, Unit } from './formats/adapter.ts';
import { FORMATS } from './formats/registry.ts';
import * as repository from './imports.repository.ts';
import {
  ANALYZE_AFTER_ROWS,
  addCounts,
  IMPORT_FORMATS,
  type ImportProgress,
  type ImportSummary,
  isImportFormat,
  RESOURCE_TABLES,
  RESOURCES,
  type ResourceBreakdown,
  type ResourceName,
  SCORED_RESOURCES,
  totalsOf,
} from './imports.ts';
import { type Item, LeadKeyCache, WRITERS, type WriteContext } from './imports.writers.ts';
import { type AnyRecord, identityKeys, VALIDATORS } from './records.ts';

/** Rows validated and written per transaction: large enough that one statement carries thousands. */
export const DEFAULT_CHUNK_SIZE = 5000;
/** An import whose heartbeat is older than this is taken for dead (its process stopped). */
export const HEARTBEAT_TIMEOUT_SECONDS = 120;
const HEARTBEAT_EVERY_MS = 20_000;

export interface RunImportRequest {
  format: string;
  files: { path: string; name?: string }[];
  /** An imports row created beforehand (the API answers with its id before the run starts). */
  importId?: number;
  /** Which resource the files hold, when their names do not say (native format). */
  resource?: string;
}

export interface RunImportOptions {
  onProgress?: (progress: ImportProgress) => void;
  /** Where to write the rejected rows as CSV (file, line, reason, raw) when there are any. */
  rejectionsCsvPath?: string;
  chunkSize?: number;
  /** Refresh the statistics of the written tables from this many rows (default ANALYZE_AFTER_ROWS). */
  analyzeAfterRows?: number;
}

const IMPORT_ROLES = ['admin', 'marketing'] as const;

function adapterFor(format: string): FormatAdapter {
  if (!isImportFormat(format)) {
    throw new AppError(
      'VALIDATION_FAILED',
      `format: "${format}" is not one of ${IMPORT_FORMATS.join(', ')}`,
      {
        issues: [{ path: 'format', message: `must be one of ${IMPORT_FORMATS.join(', ')}` }],
      },
    );
  }
  return FORMATS[format];
}

async function checkReadable(files: InputFile[]): Promise<void> {
  if (files.length === 0) throw new AppError('VALIDATION_FAILED', 'files: give at least one file to import');
  for (const file of files) {
    try {
      await access(file.path, constants.R_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new AppError(
        'UNPROCESSABLE',
        `${file.name}: cannot read the file (${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')})`,
      );
    }
  }
}

function inputFiles(files: RunImportRequest['files']): InputFile[] {
  return files.map((file) => ({ path: file.path, name: file.name ?? basename(file.path) }));
}

/**
 * Reads the files' headers and works out what will be imported, without writing anything:
 * unknown format, unreadable file, unknown or missing columns and missing permissions are
 * found here. Throws AppError.
 */
export async function planImport(
  caller: Caller,
  request: Pick<RunImportRequest, 'format' | 'files' | 'resource'>,
): Promise<ImportStep[]> {
  requireRole(caller, IMPORT_ROLES, 'import data');
  const adapter = adapterFor(request.format);
  const files = inputFiles(request.files);
  await checkReadable(files);
  const steps = await adapter.plan(files, { resource: request.resource });
  const writesUsers = steps.find((step) => step.resources.includes('users'));
  if (writesUsers && caller.role !== 'system' && caller.role !== 'admin') {
    throw new AppError(
      'FORBIDDEN',
      `${writesUsers.file.name} creates and changes users, which only admins may do (your role is ${caller.role})`,
    );
  }
  return steps;
}

/** Creates the imports row an API upload reports on while the run happens in the background. */
export async function createImport(
  db: Kysely<DB>,
  caller: Caller,
  request: Pick<RunImportRequest, 'format' | 'files' | 'resource'>,
): Promise<repository.ImportRow> {
  requireRole(caller, IMPORT_ROLES, 'import data');
  return repository.insertImport(db, {
    workspace_id: caller.workspaceId,
    format: request.format,
    resource: request.resource ?? null,
    files: inputFiles(request.files).map((file) => ({ name: file.name })),
    created_by: caller.userId,
  });
}

class ChunkDataError extends Error {
  constructor(
    readonly input: ChunkInput,
    override readonly cause: unknown,
  ) {
    super('the database refused a value in the chunk');
  }
}

class RetryChunk extends Error {
  constructor(readonly rejections: Map<number, string>) {
    super('chunk must be redone without rejected rows');
  }
}

interface PreparedRecord {
  resource: ResourceName;
  value: AnyRecord;
  mustExist: boolean;
}

interface PreparedUnit {
  unit: Unit;
  records: PreparedRecord[];
}

interface ChunkInput {
  step: ImportStep;
  units: PreparedUnit[];
  /** Rejected during validation, with their reasons. */
  invalid: { unit: Unit; reason: string }[];
}

interface Totals {
  rowsRead: number;
  rejected: number;
  byResource: ResourceBreakdown;
}

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Deadlocks, serialisation failures and key races: the chunk is simply run again. */
function isTransient(error: unknown): boolean {
  const code = sqlState(error);
  return code === '40001' || code === '40P01' || code === '23505';
}

/** The database refused some value: find the row by halving the chunk. */
function isDataError(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && (code.startsWith('22') || code.startsWith('23'));
}

class ImportRun {
  totals: Totals = { rowsRead: 0, rejected: 0, byResource: {} };
  readonly leadKeys = new LeadKeyCache();
  private readonly seen = new Map<string, Map<string, number>>();

  constructor(
    readonly db: Kysely<DB>,
    readonly caller: Caller,
    readonly importId: number,
    readonly rowsTotal: number,
    readonly options: RunImportOptions,
  ) {}

  /** Validates a unit's records and checks the file for duplicates (pure; no database). */
  prepare(step: ImportStep, unit: Unit): PreparedUnit | string {
    if (unit.problem) return unit.problem;
    const records: PreparedRecord[] = [];
    for (const record of unit.records) {
      const validated = VALIDATORS[record.resource](record.fields);
      if (!validated.ok) return `${step.columnOf(validated.error.field)}: ${validated.error.message}`;
      records.push({
        resource: record.resource,
        value: validated.value,
        mustExist: record.mustExist === true,
      });
    }
    // Duplicates within the file: only the record a row is about counts, not derived ones.
    const keys: { map: Map<string, number>; key: string }[] = [];
    for (const [index, record] of unit.records.entries()) {
      if (record.derived) continue;
      for (const [label, key] of identityKeys(record.resource, records[index]?.value as AnyRecord)) {
        const scope = `${record.resource}|${label}`;
        let map = this.seen.get(scope);
        if (!map) {
          map = new Map();
          this.seen.set(scope, map);
        }
        const first = map.get(key);
        if (first !== undefined) {
          const shown = label.includes(' ')
            ? `the same ${label}`
            : `${step.columnOf(label)} ${JSON.stringify(key)}`;
          return `${shown} already appears on line ${first}`;
        }
        keys.push({ map, key });
      }
    }
    for (const { map, key } of keys) map.set(key, unit.line);
    return { unit, records };
  }

  async *chunks(step: ImportStep, size: number): AsyncGenerator<ChunkInput> {
    // Duplicates are looked for within one file.
    this.seen.clear();
    let current: ChunkInput = { step, units: [], invalid: [] };
    for await (const unit of step.units()) {
      const prepared = this.prepare(step, unit);
      if (typeof prepared === 'string') current.invalid.push({ unit, reason: prepared });
      else current.units.push(prepared);
      if (current.units.length + current.invalid.length >= size) {
        yield current;
        current = { step, units: [], invalid: [] };
      }
    }
    if (current.units.length + current.invalid.length > 0) yield current;
  }

  /**
   * Writes one chunk. A value the database itself refuses (it should not happen after
   * validation, but a check constraint or a concurrent change can) is found by writing the
   * halves separately until the bad row stands alone; it is rejected with the database's
   * message and the rest is written.
   */
  async write(input: ChunkInput): Promise<void> {
    try {
      await this.attempt(input);
    } catch (error) {
      if (!(error instanceof ChunkDataError)) throw error;
      const current = error.input;
      if (current.units.length <= 1) {
        const only = current.units[0];
        const reason = `the database refused the row: ${error.cause instanceof Error ? error.cause.message : String(error.cause)}`;
        await this.attempt({
          step: current.step,
          units: [],
          invalid: [...current.invalid, ...(only ? [{ unit: only.unit, reason }] : [])],
        });
        return;
      }
      const middle = Math.ceil(current.units.length / 2);
      await this.write({
        step: current.step,
        units: current.units.slice(0, middle),
        invalid: current.invalid,
      });
      await this.write({ step: current.step, units: current.units.slice(middle), invalid: [] });
    }
  }

  /** One transaction for the chunk; redone without the rows a writer refused after writing. */
  private async attempt(input: ChunkInput): Promise<void> {
    let current = input;
    for (let retries = 0; ; ) {
      try {
        const next = await this.db.transaction().execute(async (trx) => {
          const written = await this.writeUnits(trx, current.step, current.units);
          const rejections = [
            ...current.invalid,
            ...[...written.rejected].map(([index, reason]) => ({
              unit: current.units[index]?.unit as Unit,
              reason,
            })),
          ];
          await repository.insertRejections(
            trx,
            this.importId,
            rejections.map(({ unit, reason }) => ({
              file: current.step.file.name,
              line: unit.line,
              reason,
              raw: unit.raw,
            })),
          );
          const totals = this.nextTotals(current, rejections.length, written.byResource);
          await repository.updateImportCounters(trx, this.importId, this.counters(totals));
          return totals;
        });
        this.totals = next;
        this.progress(current.step);
        return;
      } catch (error) {
        if (error instanceof RetryChunk) {
          const invalid = [...current.invalid];
          for (const [index, reason] of error.rejections)
            invalid.push({ unit: current.units[index]?.unit as Unit, reason });
          current = {
            step: current.step,
            units: current.units.filter((_, index) => !error.rejections.has(index)),
            invalid,
          };
          continue;
        }
        if (isTransient(error) && retries < 3) {
          retries += 1;
          continue;
        }
        // A lead looked up earlier in the import was deleted since: look leads up afresh.
        if (sqlState(error) === '23503' && retries < 3) {
          retries += 1;
          this.leadKeys.clear();
          continue;
        }
        if (isDataError(error)) throw new ChunkDataError(current, error);
        throw error;
      }
    }
  }

  private async writeUnits(
    trx: Kysely<DB>,
    step: ImportStep,
    units: PreparedUnit[],
  ): Promise<{ byResource: ResourceBreakdown; rejected: Map<number, string> }> {
    const byResource: ResourceBreakdown = {};
    const fresh = new Set<string>();
    const ctx: WriteContext = {
      db: trx,
      workspaceId: this.caller.workspaceId,
      actorId: this.caller.userId,
      now: Date.now(),
      describe: (index) => `${step.file.name} line ${units[index]?.unit.line ?? '?'}`,
      referenced: (resource, ids) => {
        addCounts(byResource, resource, { created: ids.length, updated: 0 });
        for (const id of ids) fresh.add(`${resource}:${id}`);
      },
      isNew: (resource, id) => fresh.has(`${resource}:${id}`),
      leadKeys: this.leadKeys,
    };
    const rejected = new Map<number, string>();
    const written = new Set<number>();
    for (const resource of RESOURCES) {
      const items: Item<AnyRecord>[] = [];
      units.forEach((prepared, index) => {
        if (rejected.has(index)) return;
        for (const record of prepared.records) {
          if (record.resource !== resource) continue;
          items.push({ unit: index, record: record.value, ...(record.mustExist ? { mustExist: true } : {}) });
        }
      });
      if (items.length === 0) continue;
      const writer = WRITERS[resource] as (
        ctx: WriteContext,
        items: Item<AnyRecord>[],
      ) => ReturnType<(typeof WRITERS)['leads']>;
      const outcome = await writer(ctx, items);
      const redo = new Map<number, string>();
      for (const rejection of outcome.rejected) {
        const reason = `${step.columnOf(rejection.field)}: ${rejection.message}`;
        if (outcome.rejectedAfterWrite || written.has(rejection.unit)) redo.set(rejection.unit, reason);
        else rejected.set(rejection.unit, reason);
      }
      if (redo.size > 0) throw new RetryChunk(new Map([...rejected, ...redo]));
      for (const item of items) if (!rejected.has(item.unit)) written.add(item.unit);
      addCounts(byResource, resource, outcome);
    }
    return { byResource, rejected };
  }

  private nextTotals(input: ChunkInput, rejected: number, byResource: ResourceBreakdown): Totals {
    const counted = (unit: Unit) => unit.counted !== false;
    const rowsRead =
      input.units.filter((prepared) => counted(prepared.unit)).length +
      input.invalid.filter((entry) => counted(entry.unit)).length;
    const merged: ResourceBreakdown = { ...this.totals.byResource };
    for (const [resource, counts] of Object.entries(byResource) as [
      ResourceName,
      { created: number; updated: number },
    ][]) {
      addCounts(merged, resource, counts);
    }
    return {
      rowsRead: this.totals.rowsRead + rowsRead,
      rejected: this.totals.rejected + rejected,
      byResource: merged,
    };
  }

  counters(totals: Totals): repository.ImportCounters {
    const { created, updated } = totalsOf(totals.byResource);
    return {
      rows_read: totals.rowsRead,
      rows_created: created,
      rows_updated: updated,
      rows_rejected: totals.rejected,
      summary: { by_resource: totals.byResource },
    };
  }

  progress(step: ImportStep): void {
    const { created, updated } = totalsOf(this.totals.byResource);
    this.options.onProgress?.({
      rowsRead: this.totals.rowsRead,
      rowsTotal: this.rowsTotal,
      created,
      updated,
      rejected: this.totals.rejected,
      file: step.file.name,
    });
  }
}

/**
 * Imports files of one format into the caller's workspace and records the run in
 * `imports` (and every rejected row in `import_rejections`). Streams each file in chunks;
 * each chunk is validated row by row, its references resolved set-based and written with
 * set-based upserts in one transaction. A bad row is rejected with its line and reason
 * and leaves nothing behind; the good rows around it are written. Re-running creates no
 * duplicates. Used by the CLI, the API and the benchmark.
 */
export async function runImport(
  db: Kysely<DB>,
  caller: Caller,
  request: RunImportRequest,
  options: RunImportOptions = {},
): Promise<ImportSummary> {
  const started = Date.now();
  requireRole(caller, IMPORT_ROLES, 'import data');
  const importId = request.importId ?? (await createImport(db, caller, request)).id;
  const heartbeat = setInterval(() => {
    repository.touchImportHeartbeat(db, importId).catch(() => {});
  }, HEARTBEAT_EVERY_MS);
  heartbeat.unref();
  try {
    const steps = await planImport(caller, request);
    const rowsTotal = steps.reduce((sum, step) => sum + step.rowsTotal, 0);
    await repository.markImportRunning(db, importId, {
      files: steps.map((step) => ({ name: step.file.name, imports: step.description, rows: step.rowsTotal })),
      rows_total: rowsTotal,
    });
    const run = new ImportRun(db, caller, importId, rowsTotal, options);
    const size = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
    for (const step of steps) {
      // Validation of the next chunk overlaps with the database writing this one.
      const chunks = run.chunks(step, size)[Symbol.asyncIterator]();
      let next = chunks.next();
      try {
        for (;;) {
          const current = await next;
          if (current.done) break;
          next = chunks.next();
          next.catch(() => {});
          await run.write(current.value);
        }
      } finally {
        await chunks.return?.(undefined);
      }
    }
    const written = (
      Object.entries(run.totals.byResource) as [ResourceName, { created: number; updated: number }][]
    ).filter(([, counts]) => counts.created + counts.updated > 0);
    const rowsWritten = written.reduce((sum, [, counts]) => sum + counts.created + counts.updated, 0);
    if (rowsWritten >= (options.analyzeAfterRows ?? ANALYZE_AFTER_ROWS)) {
      await analyzeTables(db, [...new Set(written.flatMap(([resource]) => RESOURCE_TABLES[resource]))]);
    }
    // Scores follow the rows the import wrote: the rescoring job is queued before the import
    // reports itself completed, so a poller that sees "completed" also sees the job.
    const scoredChanged = written.some(([resource]) => SCORED_RESOURCES.includes(resource));
    const scoringJob = scoredChanged ? await queueRescore(db, caller) : null;
    await repository.finishImport(db, importId, {
      status: 'completed',
      error: null,
      ...(scoringJob ? { scoringJobId: scoringJob.id } : {}),
    });
    if (scoringJob) kickScoringJobs(db);
    const { created, updated } = totalsOf(run.totals.byResource);
    const summary: ImportSummary = {
      importId,
      rowsRead: run.totals.rowsRead,
      created,
      updated,
      rejected: run.totals.rejected,
      byResource: run.totals.byResource,
      durationMs: Date.now() - started,
      ...(scoringJob ? { scoringJobId: scoringJob.id } : {}),
    };
    if (options.rejectionsCsvPath && summary.rejected > 0) {
      await writeRejectionsCsv(db, importId, options.rejectionsCsvPath);
      summary.rejectionsCsvPath = options.rejectionsCsvPath;
    }
    return summary;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await repository.finishImport(db, importId, { status: 'failed', error: message }).catch(() => {});
    throw error;
  } finally {
    clearInterval(heartbeat);
  }
}

/** The rejected rows of an import as CSV (file, line, reason, raw), streamed page by page. */
export async function* rejectionsCsv(db: Kysely<DB>, importId: number): AsyncGenerator<string> {
  yield stringify([['file', 'line', 'reason', 'raw']]);
  let afterId: number | undefined;
  for (;;) {
    const rows = await repository.findRejections(db, importId, 1000, afterId);
    if (rows.length === 0) return;
    yield stringify(rows.map((row) => [row.file, row.line, row.reason, row.raw]));
    afterId = rows[rows.length - 1]?.id;
  }
}

export async function writeRejectionsCsv(db: Kysely<DB>, importId: number, path: string): Promise<void> {
  const out = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => {});
  for await (const text of rejectionsCsv(db, importId)) {
    if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
  }
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
}

// ---------------------------------------------------------------------------------------
// reading imports (API)

export const INTERRUPTED =
  'The import was interrupted: the process running it stopped before it finished. ' +
  'Rows written before that are kept; run the import again to complete it (re-running creates no duplicates).';

/**
 * Marks imports whose process is gone as failed, so none stays "running" forever. On the
 * embedded store only one process can hold the store, so at start-up every unfinished
 * import is stale; on PostgreSQL other instances may be running imports, so only those
 * whose heartbeat stopped count.
 */
export async function failInterruptedImports(
  db: Kysely<DB>,
  store: StoreKind | 'startup-embedded',
): Promise<number> {
  const silentSeconds = store === 'startup-embedded' ? 0 : HEARTBEAT_TIMEOUT_SECONDS;
  return repository.failSilentImports(db, silentSeconds, INTERRUPTED);
}

function requireImportReader(caller: Caller): void {
  requireRole(caller, IMPORT_ROLES, 'see imports');
}

export async function getImport(db: Kysely<DB>, caller: Caller, id: number): Promise<repository.ImportRow> {
  requireImportReader(caller);
  await failInterruptedImports(db, 'postgres');
  const row = await repository.getImport(db, caller.workspaceId, id);
  if (!row) throw new AppError('IMPORT_NOT_FOUND', `Import ${id} does not exist`);
  return row;
}

export async function findImports(
  db: Kysely<DB>,
  caller: Caller,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<repository.ImportRow>> {
  requireImportReader(caller);
  await failInterruptedImports(db, 'postgres');
  const rows = await repository.findImports(db, caller.workspaceId, query.limit, query.cursor);
  const hasMore = rows.length > query.limit;
  const items = hasMore ? rows.slice(0, query.limit) : rows;
  const last = items[items.length - 1];
  return { items, next_cursor: hasMore && last ? encodeCursor({ value: null, id: last.id }) : null };
}

export async function findRejections(
  db: Kysely<DB>,
  caller: Caller,
  importId: number,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<repository.RejectionRow>> {
  await getImport(db, caller, importId);
  const afterId = query.cursor ? decodeCursor(query.cursor).id : undefined;
  const rows = await repository.findRejections(db, importId, query.limit + 1, afterId);
  const hasMore = rows.length > query.limit;
  const items = hasMore ? rows.slice(0, query.limit) : rows;
  const last = items[items.length - 1];
  return { items, next_cursor: hasMore && last ? encodeCursor({ value: null, id: last.id }) : null };
}
