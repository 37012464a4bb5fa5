/**
 * The benchmark's building blocks: what a step gets to work with, what it reports, and
 * helpers that time throughput and latency. Steps themselves are listed in steps.ts.
 */
import type { Database } from '../src/db/database.ts';
import type { App } from '../src/server/types.ts';

export type StoreName = 'embedded' | 'postgres';

export interface BenchResult {
  operation: string;
  store: StoreName;
  /** Rows written or read by a throughput step. */
  rows?: number;
  seconds?: number;
  rowsPerSecond?: number;
  /** Latency steps: runs, median and 95th percentile. */
  runs?: number;
  medianMs?: number;
  p95Ms?: number;
  /** The target this figure is held to, in words ("≥ 20,000 rows/s"), and whether it is met. */
  target?: string;
  met?: boolean;
  note?: string;
}

/** Ids and cursors picked from the generated company for the read steps. */
export interface BenchFixtures {
  workspaceId: number;
  adminId: number;
  /** A lead with a long journey (many touchpoints, activities and stage changes). */
  busyLeadId: number;
  /** A cursor deep into the default lead list (80% of the way). */
  deepLeadCursor: string;
  /** An SDR with open leads, for the rep queue. */
  sdrId: number;
  opportunityId: number;
  accountId: number;
  campaignId: number;
}

export interface BenchContext {
  store: StoreName;
  database: Database;
  profile: string;
  seed: number;
  /** Reference day of the demo company (UTC midnight). */
  today: Date;
  /** Latency runs per read step. */
  runs: number;
  /** Rows for the CSV import step. */
  importRows: number;
  tmpDir: string;
  /** Set once the demo company exists. */
  app?: App;
  headers?: { authorization: string };
  fixtures?: BenchFixtures;
  log(message: string): void;
}

export interface BenchStep {
  name: string;
  run(context: BenchContext): Promise<BenchResult[]>;
}

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

export function median(sorted: readonly number[]): number {
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Runs `run` once untimed (warm-up), then `runs` times, and reports median and p95. */
export async function measureLatency(
  runs: number,
  run: () => Promise<void>,
): Promise<{ medianMs: number; p95Ms: number }> {
  await run();
  const durations: number[] = [];
  for (let index = 0; index < runs; index++) {
    const started = performance.now();
    await run();
    durations.push(performance.now() - started);
  }
  durations.sort((a, b) => a - b);
  return { medianMs: median(durations), p95Ms: percentile(durations, 0.95) };
}

export interface LatencyTarget {
  /** Median latency targets in ms per store. */
  embedded?: number;
  postgres?: number;
}

/**
 * A read through the API on the built app (app.inject: the whole HTTP stack without a
 * socket). One line per endpoint in steps.ts; a route that is not there (404) is reported
 * as missing rather than timed.
 */
export function apiRead(
  name: string,
  url: (context: BenchContext & { fixtures: BenchFixtures }) => string,
  target: LatencyTarget = {},
): BenchStep {
  return {
    name,
    async run(context) {
      const { app, headers, fixtures } = context;
      if (!app || !headers || !fixtures) throw new Error(`${name}: the demo company step must run first`);
      const path = url({ ...context, fixtures });
      const probe = await app.inject({ method: 'GET', url: path, headers });
      if (probe.statusCode === 404 && probe.json()?.error?.code === 'ROUTE_NOT_FOUND') {
        return [{ operation: name, store: context.store, note: 'route not available' }];
      }
      if (probe.statusCode !== 200) {
        throw new Error(`${name}: GET ${path} answered ${probe.statusCode}: ${probe.body.slice(0, 300)}`);
      }
      const { medianMs, p95Ms } = await measureLatency(context.runs, async () => {
        const response = await app.inject({ method: 'GET', url: path, headers });
        if (response.statusCode !== 200) throw new Error(`${name}: answered ${response.statusCode}`);
      });
      const limit = target[context.store];
      return [
        {
          operation: name,
          store: context.store,
          runs: context.runs,
          medianMs,
          p95Ms,
          ...(limit === undefined ? {} : { target: `median < ${limit} ms`, met: medianMs < limit }),
        },
      ];
    },
  };
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

export function formatResults(results: readonly BenchResult[]): string {
  const header = ['operation', 'store', 'rows', 'seconds', 'rows/s', 'median ms', 'p95 ms', 'target', 'note'];
  const lines = results.map((result) => [
    result.operation,
    result.store === 'embedded' ? 'embedded (PGlite)' : 'PostgreSQL',
    result.rows === undefined ? '' : integer.format(result.rows),
    result.seconds === undefined ? '' : decimal.format(result.seconds),
    result.rowsPerSecond === undefined ? '' : integer.format(result.rowsPerSecond),
    result.medianMs === undefined ? '' : decimal.format(result.medianMs),
    result.p95Ms === undefined ? '' : decimal.format(result.p95Ms),
    result.target === undefined ? '' : `${result.target} ${result.met ? '(met)' : '(NOT met)'}`,
    result.note ?? '',
  ]);
  const escapeCell = (cell: string) => cell.replaceAll('|', '\\|');
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, index) => (index >= 2 && index <= 6 ? '---:' : '---')).join(' | ')} |`,
    ...lines.map((line) => `| ${line.map(escapeCell).join(' | ')} |`),
  ].join('\n');
}

/** Report latency targets on profile m: 1 s embedded, 300 ms on PostgreSQL. */
export const REPORT_TARGET = { embedded: 1000, postgres: 300 } as const;
