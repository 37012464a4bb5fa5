/**
 * Measures how fast the import engine loads touchpoints from a native CSV.
 *
 *   npx tsx src/modules/imports/measure-throughput.ts [--rows 1000000] [--leads 10000] [--chunk 5000] [--disk]
 *
 * Generates leads.csv and touchpoints.csv in a temporary directory, imports the leads, then
 * times the touchpoint import alone and prints rows per second. Runs on a fresh embedded
 * PGlite store (in memory, or in a temporary directory on disk with --disk, as `.tandem/`
 * is), or on a fresh PostgreSQL database (dropped afterwards) when TANDEM_TEST_DATABASE_URL
 * is set.
 */

import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { openDatabase } from '../../db/database.ts';
import { migrateToLatest } from '../../db/migrator.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/harness.ts';
import { systemCaller } from '../auth/auth.ts';
import { ensureWorkspace } from '../workspaces/workspaces.service.ts';
import { runImport } from './imports.service.ts';

const TYPES = [
  'page_view',
  'email_open',
  'email_click',
  'form_fill',
  'ad_click',
  'content_download',
  'webinar',
];
const CHANNELS = ['web', 'email', 'paid_search', 'social', 'events'];

/**
 * CPU seconds used so far by the PostgreSQL server processes serving one database, read
 * from /proc (the server runs on this machine); null where that is not possible.
 */
function postgresCpuSeconds(databaseName: string): number | null {
  try {
    let ticks = 0;
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      let command: string;
      try {
        command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (!command.startsWith('postgres:') || !command.includes(` ${databaseName} `)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks / 100;
  } catch {
    return null;
  }
}

async function writeLines(path: string, header: string, count: number, line: (index: number) => string) {
  const out = createWriteStream(path);
  out.write(`${header}\n`);
  let buffer = '';
  for (let index = 0; index < count; index++) {
    buffer += `${line(index)}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.write(buffer);
  out.end();
  await once(out, 'finish');
}

async function main() {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      leads: { type: 'string', default: '10000' },
      chunk: { type: 'string', default: '5000' },
      disk: { type: 'boolean', default: false },
    },
  });
  const rows = Number(values.rows);
  const leads = Number(values.leads);
  const chunkSize = Number(values.chunk);
  const dir = mkdtempSync(join(tmpdir(), 'tandem-throughput-'));
  const start = Date.UTC(2025, 0, 1);
  try {
    await writeLines(join(dir, 'leads.csv'), 'external_id,email,source,created_at', leads, (index) => {
      return `L${index},lead${index}@example.com,organic_search,${new Date(start + index * 60_000).toISOString()}`;
    });
    await writeLines(
      join(dir, 'touchpoints.csv'),
      'external_id,lead_external_id,type,occurred_at,channel,utm_source,utm_medium,utm_campaign',
      rows,
      (index) =>
        `T${index},L${index % leads},${TYPES[index % TYPES.length]},${new Date(start + index * 31_000).toISOString()},` +
        `${CHANNELS[index % CHANNELS.length]},newsletter,email,spring-${index % 12}`,
    );
    const size = statSync(join(dir, 'touchpoints.csv')).size;
    const database: TestDatabase =
      values.disk && !process.env.TANDEM_TEST_DATABASE_URL
        ? await openDatabase({ dataDir: join(dir, 'store') })
        : await createTestDatabase();
    if (values.disk) await migrateToLatest(database.db);
    try {
      const workspace = await ensureWorkspace(database.db, { name: 'Throughput', slug: 'throughput' });
      const caller = systemCaller(workspace.id);
      await runImport(database.db, caller, { format: 'tandem', files: [{ path: join(dir, 'leads.csv') }] });
      const databaseName = database.url ? new URL(database.url).pathname.slice(1) : null;
      const serverBefore = databaseName ? postgresCpuSeconds(databaseName) : null;
      const began = performance.now();
      const cpuBefore = process.cpuUsage();
      const summary = await runImport(
        database.db,
        caller,
        { format: 'tandem', files: [{ path: join(dir, 'touchpoints.csv') }] },
        { chunkSize },
      );
      const seconds = (performance.now() - began) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      // On the embedded store the database runs in this process: its CPU time is what the
      // import costs on an otherwise idle machine; wall time also counts other processes.
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      const serverAfter = databaseName ? postgresCpuSeconds(databaseName) : null;
      const serverSeconds = serverBefore !== null && serverAfter !== null ? serverAfter - serverBefore : null;
      const stored = await sql<{ count: number }>`select count(*)::int as count from touchpoints`.execute(
        database.db,
      );
      console.log(
        JSON.stringify(
          {
            store: `${database.kind}${values.disk ? ' (disk)' : ''}`,
            rows,
            leads,
            chunk_size: chunkSize,
            csv_mb: Math.round(size / 1e5) / 10,
            seconds: Math.round(seconds * 10) / 10,
            rows_per_second: Math.round(rows / seconds),
            process_cpu_seconds: Math.round(cpuSeconds * 10) / 10,
            rows_per_process_cpu_second: Math.round(rows / cpuSeconds),
            ...(serverSeconds !== null
              ? {
                  // PostgreSQL's own CPU time for this import, in its server processes.
                  postgres_cpu_seconds: Math.round(serverSeconds * 10) / 10,
                  rows_per_postgres_cpu_second: Math.round(rows / serverSeconds),
                }
              : {}),
            created: summary.created,
            rejected: summary.rejected,
            touchpoints_stored: stored.rows[0]?.count,
          },
          null,
          2,
        ),
      );
    } finally {
      await database.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
