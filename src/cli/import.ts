import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { systemCaller } from '../modules/auth/auth.ts';
import { runImport, writeRejectionsCsv } from '../modules/imports/imports.service.ts';
import { IMPORT_FORMATS, type ImportSummary, isImportFormat } from '../modules/imports/imports.ts';
import { getJob, runScoringJobs } from '../modules/scoring/scoring.service.ts';
import { resolveWorkspace } from '../modules/workspaces/workspaces.service.ts';
import { AppError } from '../shared/errors.ts';
import { openStore } from './store.ts';

interface ImportOptions {
  resource?: string;
  workspace?: string;
  rejects?: string;
  json?: boolean;
  /** false with --no-rescore */
  rescore?: boolean;
}

interface RescoreOutcome {
  jobId: number;
  leads: number;
  handedOff: number;
  status: string;
}

/**
 * Runs the rescoring job an import queued, in this process, with a progress bar: the import
 * holds the embedded store, so no server could run it meanwhile. On PostgreSQL a running
 * server may claim it first; then this waits for nothing and reports the job as it stands.
 */
async function rescoreAfterImport(
  db: Parameters<typeof runScoringJobs>[0],
  workspaceId: number,
  jobId: number,
): Promise<RescoreOutcome> {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'Rescoring leads [{bar}] {percentage}% | {value}/{total} leads | {handedOff} handed off',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  try {
    await runScoringJobs(db, {
      onProgress: (progress) => {
        if (progress.jobId !== jobId) return;
        const total = Math.max(progress.total, progress.processed);
        if (!started) {
          bar.start(total, progress.processed, { handedOff: progress.handedOff });
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(progress.processed, { handedOff: progress.handedOff });
        }
      },
    });
  } finally {
    if (started) bar.stop();
  }
  const job = await getJob(db, systemCaller(workspaceId), jobId);
  return { jobId, leads: job.processed, handedOff: job.handed_off, status: job.status };
}

/** `<dir>/<name>.rejected.csv` next to the first input. */
export function defaultRejectsPath(firstFile: string): string {
  const absolute = resolve(firstFile);
  return join(dirname(absolute), `${basename(absolute, extname(absolute))}.rejected.csv`);
}

function breakdown(summary: ImportSummary, key: 'created' | 'updated'): string {
  const parts = Object.entries(summary.byResource)
    .filter(([, counts]) => (counts?.[key] ?? 0) > 0)
    .map(([resource, counts]) => `${resource} ${counts?.[key]}`);
  return parts.length > 0 ? `  (${parts.join(', ')})` : '';
}

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description(
      'Import CSV files into the workspace: rows that fail validation are rejected with their line and ' +
        'reason (written to a CSV), the others are imported; running it again creates no duplicates. ' +
        'Formats and columns: docs/IMPORT.md.',
    )
    .argument('<format>', `one of ${IMPORT_FORMATS.join(', ')}`)
    .argument('<files...>', 'CSV files (several are imported in dependency order)')
    .option(
      '--resource <resource>',
      'which resource the files hold when their names do not say (tandem format)',
    )
    .option('-w, --workspace <slug>', 'workspace slug (default: the first)')
    .option(
      '--rejects <file>',
      'where to write rejected rows (default: <first file>.rejected.csv next to it)',
    )
    .option('--json', 'print the summary as JSON')
    .option(
      '--no-rescore',
      'leave rescoring the leads under the scoring model to the server (by default it runs right after the import)',
    )
    .action(async (format: string, files: string[], options: ImportOptions) => {
      if (!isImportFormat(format)) {
        throw new AppError(
          'VALIDATION_FAILED',
          `unknown format "${format}"; use one of ${IMPORT_FORMATS.join(', ')}`,
        );
      }
      for (const file of files) {
        try {
          await access(file, constants.R_OK);
        } catch {
          throw new AppError('UNPROCESSABLE', `cannot read ${file}`);
        }
      }
      const store = await openStore('import');
      const bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format:
            'Importing {file} [{bar}] {percentage}% | {value}/{total} rows | {created} created, {updated} updated, {rejected} rejected',
          hideCursor: true,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      );
      let barStarted = false;
      try {
        const workspace = await resolveWorkspace(store.database.db, options.workspace);
        const summary = await runImport(
          store.database.db,
          systemCaller(workspace.id),
          {
            format,
            files: files.map((file) => ({ path: resolve(file), name: basename(file) })),
            ...(options.resource ? { resource: options.resource } : {}),
          },
          {
            onProgress: (progress) => {
              const payload = {
                file: progress.file,
                created: progress.created,
                updated: progress.updated,
                rejected: progress.rejected,
              };
              if (!barStarted) {
                bar.start(Math.max(progress.rowsTotal ?? 0, progress.rowsRead), progress.rowsRead, payload);
                barStarted = true;
              } else {
                bar.setTotal(Math.max(progress.rowsTotal ?? 0, progress.rowsRead));
                bar.update(progress.rowsRead, payload);
              }
            },
          },
        );
        if (barStarted) bar.stop();
        barStarted = false;
        let rejectsPath: string | undefined;
        if (summary.rejected > 0) {
          rejectsPath = options.rejects ? resolve(options.rejects) : defaultRejectsPath(files[0] as string);
          try {
            await writeRejectionsCsv(store.database.db, summary.importId, rejectsPath);
          } catch (error) {
            if (options.rejects) throw error;
            // The input's directory may be read-only (a shared data set): fall back to the current one.
            const fallback = resolve(basename(rejectsPath));
            console.error(
              `tandem import: cannot write ${rejectsPath} (${(error as Error).message}); writing ${fallback}`,
            );
            rejectsPath = fallback;
            await writeRejectionsCsv(store.database.db, summary.importId, rejectsPath);
          }
          summary.rejectionsCsvPath = rejectsPath;
        }
        const rescored =
          summary.scoringJobId !== undefined && options.rescore !== false
            ? await rescoreAfterImport(store.database.db, workspace.id, summary.scoringJobId)
            : null;
        if (options.json) {
          console.log(JSON.stringify(rescored ? { ...summary, rescored } : summary, null, 2));
          return;
        }
        const seconds = (summary.durationMs / 1000).toFixed(1);
        console.log(
          `Import ${summary.importId} (${format}) finished in ${seconds} s into workspace ${workspace.slug}`,
        );
        console.log(`  rows read  ${summary.rowsRead}`);
        console.log(`  created    ${summary.created}${breakdown(summary, 'created')}`);
        console.log(`  updated    ${summary.updated}${breakdown(summary, 'updated')}`);
        console.log(
          `  rejected   ${summary.rejected}${rejectsPath ? `  -> ${rejectsPath} (file, line, reason, raw)` : ''}`,
        );
        if (rescored) {
          console.log(
            `  rescored   ${rescored.leads} leads under the scoring model (job ${rescored.jobId}, ${rescored.status}), ${rescored.handedOff} handed off to sales`,
          );
        } else if (summary.scoringJobId !== undefined) {
          console.log(`  rescoring  queued as job ${summary.scoringJobId}; the server runs it`);
        }
      } finally {
        if (barStarted) bar.stop();
        await store.close();
      }
    });
}
