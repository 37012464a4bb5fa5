import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { systemCaller } from '../modules/auth/auth.ts';
import {
  exportResource,
  parseExportFormat,
  parseExportResource,
} from '../modules/exports/exports.service.ts';
import { RESOURCES } from '../modules/imports/imports.ts';
import { resolveWorkspace } from '../modules/workspaces/workspaces.service.ts';
import { openStore } from './store.ts';

async function writeAll(out: Writable, pieces: AsyncIterable<string>): Promise<void> {
  let failure: Error | undefined;
  out.on('error', (error) => {
    failure = error;
  });
  for await (const piece of pieces) {
    if (failure) throw failure;
    if (!out.write(piece)) await Promise.race([once(out, 'drain'), once(out, 'error')]);
  }
  if (failure) throw failure;
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description(
      'Write every record of a resource as CSV (the native import columns: it re-imports with ' +
        '`tandem import tandem`) or JSON, streamed page by page',
    )
    .argument('<resource>', RESOURCES.join(' | '))
    .option('--format <format>', 'csv | json', 'csv')
    .option('--out <file>', 'file to write (default: standard output)')
    .option('-w, --workspace <slug>', 'workspace slug (default: the first)')
    .action(async (resourceName: string, options: { format: string; out?: string; workspace?: string }) => {
      const resource = parseExportResource(resourceName);
      const format = parseExportFormat(options.format);
      const store = await openStore('export');
      try {
        const workspace = await resolveWorkspace(store.database.db, options.workspace);
        const pieces = exportResource(store.database.db, systemCaller(workspace.id), resource, format);
        if (options.out) {
          const out = createWriteStream(options.out);
          await writeAll(out, pieces);
          out.end();
          await once(out, 'finish');
          console.error(`Exported ${resource} of workspace ${workspace.slug} to ${options.out}`);
        } else {
          await writeAll(process.stdout, pieces);
        }
      } finally {
        await store.close();
      }
    });
}
