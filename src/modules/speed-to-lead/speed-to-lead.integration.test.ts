import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/database.ts';
import { migrateToLatest } from '../../db/migrator.ts';
import type { DB } from '../../db/schema.ts';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { systemCaller } from '../auth/auth.ts';
import { runImport } from '../imports/imports.service.ts';
import { type BusinessCalendar, businessTimeBetween } from '../sla/sla.ts';
import { ensureWorkspace } from '../workspaces/workspaces.service.ts';

const run = promisify(execFile);

// ----- the dataset: response times chosen by hand ------------------------------------------
//
// Handoff = mql_at (imported leads carry no assignment). Response = first call, email or
// meeting at or after the handoff. All handoffs fall in January 2026.
//
//  lead  owner team   source   mql_at (UTC)          response
//  L01   a     North  web      2026-01-12 09:00      +30 min            0.5 h
//  L02   a     North  web      2026-01-12 10:00      +47 min            0.78333 h
//  L03   b     North  webinar  2026-01-13 08:30      +2 h               2 h
//  L04   b     North  web      2026-01-13 12:00      +5 h (meeting)     5 h
//  L05   c     South  event    2026-01-14 15:00      +20 h              20 h
//  L06   c     South  web      2026-01-15 09:00      +30 h              30 h
//  L07   a     North  webinar  2026-01-16 14:00      +50 h              50 h
//  L08   b     North  web      2026-01-19 09:00      none               never
//  L09   c     South  event    2026-01-20 09:00      call 1 h BEFORE, note after: never
//  L10   a     North  web      2026-01-21 09:00      +60 min            1 h (counts as within 1 h)
//  L13   b     North  web      2026-01-22 09:00      email +4 h, call +10 h: 4 h
// Not counted: L11 never reached MQL; L12 handed off in February (outside --to);
// L14 is MQL without an owner (not handed to sales yet).

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const handoffs: Record<string, string> = {
  L01: '2026-01-12T09:00:00Z',
  L02: '2026-01-12T10:00:00Z',
  L03: '2026-01-13T08:30:00Z',
  L04: '2026-01-13T12:00:00Z',
  L05: '2026-01-14T15:00:00Z',
  L06: '2026-01-15T09:00:00Z',
  L07: '2026-01-16T14:00:00Z',
  L08: '2026-01-19T09:00:00Z',
  L09: '2026-01-20T09:00:00Z',
  L10: '2026-01-21T09:00:00Z',
  L13: '2026-01-22T09:00:00Z',
};
const responseMinutes: Record<string, number | null> = {
  L01: 30,
  L02: 47,
  L03: 120,
  L04: 300,
  L05: 1200,
  L06: 1800,
  L07: 3000,
  L08: null,
  L09: null,
  L10: 60,
  L13: 240,
};

const at = (iso: string, minutes: number) =>
  new Date(new Date(iso).getTime() + minutes * MINUTE).toISOString();

const USERS_CSV = `email,name,role,team,manager_email
manager@tandem.example,Sales Manager 01,sales,North,
a@tandem.example,SDR 01,sdr,North,manager@tandem.example
b@tandem.example,SDR 02,sdr,North,manager@tandem.example
c@tandem.example,SDR 03,sdr,South,manager@tandem.example
`;

const LEADS_CSV = `external_id,email,source,stage,owner_email,created_at,mql_at,sal_at
L01,l01@buyer.example,web,sal,a@tandem.example,2026-01-05T10:00:00Z,${handoffs.L01},${at(handoffs.L01 ?? '', 30)}
L02,l02@buyer.example,web,mql,a@tandem.example,2026-01-05T10:00:00Z,${handoffs.L02},
L03,l03@buyer.example,webinar,sal,b@tandem.example,2026-01-05T10:00:00Z,${handoffs.L03},${at(handoffs.L03 ?? '', 200)}
L04,l04@buyer.example,web,mql,b@tandem.example,2026-01-05T10:00:00Z,${handoffs.L04},
L05,l05@buyer.example,event,mql,c@tandem.example,2026-01-05T10:00:00Z,${handoffs.L05},
L06,l06@buyer.example,web,mql,c@tandem.example,2026-01-05T10:00:00Z,${handoffs.L06},
L07,l07@buyer.example,webinar,mql,a@tandem.example,2026-01-05T10:00:00Z,${handoffs.L07},
L08,l08@buyer.example,web,mql,b@tandem.example,2026-01-05T10:00:00Z,${handoffs.L08},
L09,l09@buyer.example,event,mql,c@tandem.example,2026-01-05T10:00:00Z,${handoffs.L09},
L10,l10@buyer.example,web,mql,a@tandem.example,2026-01-05T10:00:00Z,${handoffs.L10},
L11,l11@buyer.example,web,lead,a@tandem.example,2026-01-05T10:00:00Z,,
L12,l12@buyer.example,web,mql,a@tandem.example,2026-01-05T10:00:00Z,2026-02-03T09:00:00Z,
L13,l13@buyer.example,web,mql,b@tandem.example,2026-01-05T10:00:00Z,${handoffs.L13},
L14,l14@buyer.example,web,mql,,2026-01-05T10:00:00Z,2026-01-23T09:00:00Z,
`;

const ACTIVITY_ROWS: [string, string, string, string][] = [
  ['L01', 'call', at(handoffs.L01 ?? '', 30), 'a'],
  ['L01', 'email', at(handoffs.L01 ?? '', 90), 'a'],
  ['L02', 'email', at(handoffs.L02 ?? '', 47), 'a'],
  ['L03', 'call', at(handoffs.L03 ?? '', 120), 'b'],
  ['L04', 'meeting', at(handoffs.L04 ?? '', 300), 'b'],
  ['L05', 'call', at(handoffs.L05 ?? '', 1200), 'c'],
  ['L06', 'call', at(handoffs.L06 ?? '', 1800), 'c'],
  ['L07', 'call', at(handoffs.L07 ?? '', 3000), 'a'],
  ['L09', 'call', at(handoffs.L09 ?? '', -60), 'c'],
  ['L09', 'note', at(handoffs.L09 ?? '', 30), 'c'],
  ['L10', 'call', at(handoffs.L10 ?? '', 60), 'a'],
  ['L11', 'call', '2026-01-12T09:00:00Z', 'a'],
  ['L12', 'call', '2026-02-03T09:10:00Z', 'a'],
  ['L13', 'call', at(handoffs.L13 ?? '', 600), 'b'],
  ['L13', 'email', at(handoffs.L13 ?? '', 240), 'b'],
];
const ACTIVITIES_CSV = `external_id,lead_external_id,type,occurred_at,actor_email
${ACTIVITY_ROWS.map(([lead, type, when, actor], index) => `A${index + 1},${lead},${type},${when},${actor}@tandem.example`).join('\n')}
`;

function writeFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-speed-'));
  writeFileSync(join(dir, 'users.csv'), USERS_CSV);
  writeFileSync(join(dir, 'leads.csv'), LEADS_CSV);
  writeFileSync(join(dir, 'activities.csv'), ACTIVITIES_CSV);
  return dir;
}

async function importFixture(db: Kysely<DB>, workspaceId: number, dir: string): Promise<void> {
  const summary = await runImport(db, systemCaller(workspaceId), {
    format: 'tandem',
    files: ['users.csv', 'leads.csv', 'activities.csv'].map((name) => ({ path: join(dir, name) })),
  });
  expect(JSON.stringify(summary)).not.toMatch(/"rejected":[1-9]/);
}

// ----- independent arithmetic for the expectations -----------------------------------------

/** percentile_cont as the textbook defines it: linear interpolation between closest ranks. */
function percentile(values: number[], fraction: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = fraction * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return (sorted[lower] ?? 0) + ((sorted[upper] ?? 0) - (sorted[lower] ?? 0)) * (position - lower);
}

/** Hours in a figure match to the minute. */
function expectHours(actual: number | null, expected: number | null): void {
  if (expected === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(actual).not.toBeNull();
  expect(Math.abs((actual ?? 0) - expected)).toBeLessThan(1 / 60);
}

let context: TestContext;
let fixtureDir: string;

beforeAll(async () => {
  context = await createTestContext();
  fixtureDir = writeFixture();
  await importFixture(context.database.db, context.workspaceId, fixtureDir);
});

afterAll(async () => {
  await context?.close();
  if (fixtureDir) rmSync(fixtureDir, { recursive: true, force: true });
});

async function report(query: string) {
  const response = await context.app.inject({
    method: 'GET',
    url: `/api/v1/reports/speed-to-lead?${query}`,
    headers: context.admin.headers,
  });
  expect(response.statusCode).toBe(200);
  return response.json();
}

describe('speed-to-lead on imported leads with known response times', () => {
  it('matches the hand-computed overall figures', async () => {
    const result = await report('from=2026-01-01&to=2026-02-01');
    const overall = result.overall;
    expect(overall.leads).toBe(11);
    expect(overall.responded).toBe(9);
    // Sorted responses: 0.5, 0.7833, 1, 2, 4, 5, 20, 30, 50 hours.
    expectHours(overall.median_hours, 4);
    // 90th percentile: position 0.9 * 8 = 7.2, between 30 and 50: 30 + 0.2 * 20.
    expectHours(overall.p90_hours, 34);
    expect(overall.within_1h_share).toBeCloseTo(3 / 11, 4);
    expect(overall.within_24h_share).toBeCloseTo(7 / 11, 4);
    expect(overall.over_24h_share).toBeCloseTo(2 / 11, 4);
    expect(overall.never_share).toBeCloseTo(2 / 11, 4);
    expect(overall.breaches).toBe(0);
    expect(overall.business).toBeNull();
    expect(result.groups).toBeUndefined();
  });

  it('matches the hand-computed figures per owner', async () => {
    const result = await report('from=2026-01-01&to=2026-02-01&by=owner');
    const byKey = Object.fromEntries(result.groups.map((group: { key: string }) => [group.key, group]));
    expect(Object.keys(byKey).sort()).toEqual(['a@tandem.example', 'b@tandem.example', 'c@tandem.example']);
    const a = byKey['a@tandem.example'];
    expect(a).toMatchObject({
      leads: 4,
      responded: 4,
      within_1h_share: 0.75,
      within_24h_share: 0.75,
      over_24h_share: 0.25,
      never_share: 0,
    });
    expectHours(a.median_hours, (47 / 60 + 1) / 2);
    expectHours(a.p90_hours, 1 + 0.7 * 49);
    const b = byKey['b@tandem.example'];
    expect(b).toMatchObject({
      leads: 4,
      responded: 3,
      within_1h_share: 0,
      within_24h_share: 0.75,
      over_24h_share: 0,
      never_share: 0.25,
    });
    expectHours(b.median_hours, 4);
    expectHours(b.p90_hours, 4.8);
    const c = byKey['c@tandem.example'];
    expect(c).toMatchObject({ leads: 3, responded: 2, within_1h_share: 0 });
    expect(c.within_24h_share).toBeCloseTo(1 / 3, 4);
    expect(c.never_share).toBeCloseTo(1 / 3, 4);
    expectHours(c.median_hours, 25);
    expectHours(c.p90_hours, 29);
    expect(result.overall.leads).toBe(11);
  });

  it('groups by team and by source', async () => {
    const byTeam = await report('from=2026-01-01&to=2026-02-01&by=team');
    const north = byTeam.groups.find((group: { key: string }) => group.key === 'North');
    expect(north).toMatchObject({ leads: 8, responded: 7 });
    // 0.5, 0.7833, 1, 2, 4, 5, 50: median 2; p90 position 5.4: 5 + 0.4 * 45.
    expectHours(north.median_hours, 2);
    expectHours(north.p90_hours, 23);
    const bySource = await report('from=2026-01-01&to=2026-02-01&by=source');
    const sources = Object.fromEntries(bySource.groups.map((group: { key: string }) => [group.key, group]));
    expect(sources.web).toMatchObject({ leads: 7, responded: 6 });
    expectHours(sources.web.median_hours, 2.5);
    expectHours(sources.webinar.median_hours, 26);
    expect(sources.event).toMatchObject({ leads: 2, responded: 1 });
    expectHours(sources.event.median_hours, 20);
  });

  it('gives business-hour figures beside wall-clock ones once a default calendar is set', async () => {
    const created = await context.app.inject({
      method: 'POST',
      url: '/api/v1/sla/calendars',
      headers: context.admin.headers,
      payload: {
        name: 'Berlin office',
        time_zone: 'Europe/Berlin',
        start: '09:00',
        end: '17:00',
        is_default: true,
      },
    });
    expect(created.statusCode).toBe(201);
    const calendar: BusinessCalendar = {
      timeZone: 'Europe/Berlin',
      workingDays: [1, 2, 3, 4, 5],
      startMinute: 540,
      endMinute: 1020,
      holidays: [],
    };
    const businessHours = Object.entries(responseMinutes)
      .filter((entry): entry is [string, number] => entry[1] !== null)
      .map(([lead, minutes]) => {
        const start = new Date(handoffs[lead] ?? '');
        return businessTimeBetween(start, new Date(start.getTime() + minutes * MINUTE), calendar) / HOUR;
      });
    // Two by hand: L05 Wednesday 16:00 CET + 20 h -> Thursday 12:00: 1 h + 3 h; L07 Friday
    // 15:00 CET + 50 h -> Sunday 17:00: 2 h.
    expect(businessHours).toContain(4);
    expect(businessHours).toContain(2);
    const result = await report('from=2026-01-01&to=2026-02-01');
    expect(result.calendar).toMatchObject({ name: 'Berlin office', time_zone: 'Europe/Berlin' });
    expectHours(result.overall.median_hours, 4);
    expectHours(result.overall.business.median_hours, percentile(businessHours, 0.5));
    expectHours(result.overall.business.p90_hours, percentile(businessHours, 0.9));
    expect(result.overall.business.within_1h_share).toBeCloseTo(
      businessHours.filter((h) => h <= 1).length / 11,
      4,
    );
    expect(result.overall.business.over_24h_share).toBeCloseTo(
      businessHours.filter((h) => h > 24).length / 11,
      4,
    );
  });

  it('refuses a window that ends before it starts and unknown groupings', async () => {
    const backwards = await context.app.inject({
      method: 'GET',
      url: '/api/v1/reports/speed-to-lead?from=2026-02-01&to=2026-01-01',
      headers: context.admin.headers,
    });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.issues[0].path).toBe('to');
    const badBy = await context.app.inject({
      method: 'GET',
      url: '/api/v1/reports/speed-to-lead?by=planet',
      headers: context.admin.headers,
    });
    expect(badBy.statusCode).toBe(400);
    expect(badBy.json().error.issues[0].path).toBe('querystring.by');
  });
});

describe('tandem report speed-to-lead', () => {
  it('prints the same figures as JSON', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'UTC' };
    let dataDir: string | null = null;
    if (context.database.url) {
      env.DATABASE_URL = context.database.url;
    } else {
      // PGlite is single-process: the CLI gets its own embedded store holding the same import.
      dataDir = mkdtempSync(join(tmpdir(), 'tandem-speed-cli-'));
      const database = await openDatabase({ dataDir });
      await migrateToLatest(database.db);
      const workspace = await ensureWorkspace(database.db, { name: 'Test Co', slug: 'test' });
      await importFixture(database.db, workspace.id, fixtureDir);
      await database.close();
      env.TANDEM_DATA_DIR = dataDir;
      delete env.DATABASE_URL;
    }
    try {
      const { stdout } = await run(
        process.execPath,
        [
          'bin/tandem.js',
          'report',
          'speed-to-lead',
          '--from',
          '2026-01-01',
          '--to',
          '2026-02-01',
          '--by',
          'owner',
          '--json',
          '-w',
          'test',
        ],
        { env, cwd: process.cwd(), timeout: 60_000 },
      );
      const printed = JSON.parse(stdout);
      expect(printed.overall.leads).toBe(11);
      expectHours(printed.overall.median_hours, 4);
      expectHours(printed.overall.p90_hours, 34);
      expect(printed.groups.map((group: { key: string }) => group.key).sort()).toEqual([
        'a@tandem.example',
        'b@tandem.example',
        'c@tandem.example',
      ]);
      for (const group of printed.groups) {
        expect(Object.keys(group)).toEqual(
          expect.arrayContaining([
            'key',
            'leads',
            'responded',
            'median_hours',
            'p90_hours',
            'within_1h_share',
            'within_24h_share',
            'over_24h_share',
            'never_share',
            'breaches',
          ]),
        );
      }
    } finally {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
