/**
 * `npm run bench [-- --profile s|m|l] [--store all|embedded|postgres] [--runs N] [--import-rows N] [--only TEXT]`
 *
 * Builds the demo company of a profile (default m) on the embedded store (PGlite in a
 * temporary directory) and on PostgreSQL (DATABASE_URL, or postgres://postgres@127.0.0.1:5432/postgres,
 * in a database tandem_bench it creates and drops), runs every step of steps.ts on each,
 * and prints a Markdown table, also written to bench/out/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { type Database, openDatabase, redactUrl } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import { utcMidnight } from '../src/modules/demo/demo.ts';
import { type BenchContext, type BenchResult, formatResults, type StoreName } from './harness.ts';
import { BENCH_STEPS } from './steps.ts';

const BENCH_DATABASE = 'tandem_bench';
const OUT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), 'out');

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function adminQuery(base: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

interface OpenedStore {
  database: Database;
  close(): Promise<void>;
}

async function openBenchStore(store: StoreName, tmpDir: string): Promise<OpenedStore> {
  if (store === 'embedded') {
    const dataDir = join(tmpDir, 'pglite');
    const database = await openDatabase({ dataDir });
    await migrateToLatest(database.db);
    return { database, close: () => database.close() };
  }
  const base = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  await adminQuery(base, `drop database if exists ${BENCH_DATABASE} with (force)`);
  await adminQuery(base, `create database ${BENCH_DATABASE}`);
  const url = databaseUrl(base, BENCH_DATABASE);
  log(`PostgreSQL database ${redactUrl(url)}`);
  const database = await openDatabase({ url });
  await migrateToLatest(database.db);
  return {
    database,
    close: async () => {
      await database.close();
      await adminQuery(base, `drop database if exists ${BENCH_DATABASE} with (force)`);
    },
  };
}

function machine(): string {
  const model = (() => {
    try {
      return /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim();
    } catch {
      return undefined;
    }
  })();
  let processors = String(cpus().length);
  try {
    processors = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // nproc is missing on some systems; os.cpus() is the fallback.
  }
  return `${processors} cores (${model ?? cpus()[0]?.model ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      profile: { type: 'string', default: 'm' },
      store: { type: 'string', default: 'all' },
      runs: { type: 'string', default: '30' },
      'import-rows': { type: 'string', default: '1000000' },
      seed: { type: 'string', default: '1' },
      today: { type: 'string' },
      // Only the steps whose name contains this text (the demo company is always built).
      only: { type: 'string' },
    },
  });
  const only = values.only?.toLowerCase();
  const steps = BENCH_STEPS.filter(
    (step, index) => index === 0 || only === undefined || step.name.toLowerCase().includes(only),
  );
  const stores: StoreName[] =
    values.store === 'all'
      ? ['embedded', 'postgres']
      : values.store === 'embedded' || values.store === 'postgres'
        ? [values.store]
        : [];
  if (stores.length === 0)
    throw new Error(`--store must be all, embedded or postgres, not "${values.store}"`);
  const today = utcMidnight(values.today ? new Date(`${values.today}T00:00:00Z`) : new Date());
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  const results: BenchResult[] = [];
  const loads: string[] = [];
  const load = () => loadavg()[0]?.toFixed(1) ?? '?';
  const started = new Date();
  for (const store of stores) {
    const tmpDir = mkdtempSync(join(tmpdir(), `tandem-bench-${store}-`));
    log(`store ${store}: opening`);
    const loadAtStart = load();
    const opened = await openBenchStore(store, tmpDir);
    const context: BenchContext = {
      store,
      database: opened.database,
      profile: values.profile,
      seed: Number(values.seed),
      today,
      runs: Number(values.runs),
      importRows: Number(values['import-rows']),
      tmpDir,
      log: (message) => log(`${store}: ${message}`),
    };
    try {
      for (const step of steps) {
        log(`${store}: ${step.name}`);
        const stepResults = await step.run(context);
        for (const result of stepResults) {
          results.push(result);
          log(
            `${store}: ${result.operation}: ${
              result.medianMs !== undefined
                ? `median ${result.medianMs.toFixed(1)} ms, p95 ${result.p95Ms?.toFixed(1)} ms`
                : result.seconds !== undefined
                  ? `${result.seconds.toFixed(1)} s, ${Math.round(result.rowsPerSecond ?? 0)} rows/s`
                  : (result.note ?? '')
            }`,
          );
        }
      }
      loads.push(`${store} ${loadAtStart} → ${load()}`);
    } finally {
      await context.app?.close();
      await opened.close();
      rmSync(tmpDir, { recursive: true, force: true });
    }
  }
  const report = [
    `# Tandem benchmark, profile ${values.profile}`,
    '',
    `- date: ${started.toISOString()}`,
    `- machine: ${machine()}`,
    `- command: \`${command}\``,
    // Other work on the machine slows every figure; the 1-minute load average says how much.
    `- load average (1 min) at the start and end of each store's run: ${loads.join('; ')}`,
    `- demo company: seed ${values.seed}, history up to ${today.toISOString().slice(0, 10)}; latency = app.inject over ${values.runs} runs after one warm-up`,
    '',
    formatResults(results),
    '',
  ].join('\n');
  process.stdout.write(report);
  mkdirSync(OUT_DIR, { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(OUT_DIR, `bench-${values.profile}-${stamp}.md`), report);
  writeFileSync(
    join(OUT_DIR, `bench-${values.profile}-${stamp}.json`),
    `${JSON.stringify(results, null, 2)}\n`,
  );
  log(`written to ${join(OUT_DIR, `bench-${values.profile}-${stamp}.md`)}`);
}

await main();
