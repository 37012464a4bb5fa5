// `npm run screenshots`: a PNG of every page of the web app, taken on the demo company, into
// docs/screenshots/. Generates the demo (size s) into a temporary embedded store, starts the
// server on it, and drives Debian's Chromium at 1440x900 (the rep's queue at phone width).
//
//   npm run screenshots [-- --data-dir DIR] [-- --only name,name]
//
// --data-dir reuses (or creates) a store there instead of a temporary one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import {
  DEFAULT_DEMO_SEED,
  DEMO_ADMIN_EMAIL,
  DEMO_PASSWORD,
  generateDemo,
} from '../src/modules/demo/demo.service.ts';
import { rescoreDueWorkspaces } from '../src/modules/scoring/scoring.service.ts';
import { runSlaTick } from '../src/modules/sla/sla.tick.ts';
import { DEFAULT_WORKSPACE_SLUG } from '../src/modules/workspaces/workspaces.service.ts';
import { buildApp } from '../src/server/app.ts';
import {
  ensureWebBuilt,
  launchBrowser,
  newContext,
  signIn,
  WEB_DIST,
  watchPage,
} from '../web/tests/browser.ts';

const OUT_DIR = resolve('docs/screenshots');
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

interface Shot {
  name: string;
  /** Path to open, or a function that finds it in the data. */
  path: string | ((context: ShotContext) => Promise<string | null>);
  as: 'admin' | 'rep' | 'signed-out';
  viewport?: { width: number; height: number };
  /** Something to do on the page before the picture (open a dialog, switch a view). */
  before?: (page: Page) => Promise<void>;
}

interface ShotContext {
  repId: number;
  firstQueueLead: number | null;
  topCampaign: number | null;
  lastWonDeal: number | null;
}

function currentQuarter(now = new Date()): string {
  return `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
}

const SHOTS: Shot[] = [
  { name: 'login', path: '/login', as: 'signed-out' },
  { name: 'scorecard', path: '/scorecard', as: 'admin' },
  { name: 'plan', path: `/plan?revenue=3000000&period=${currentQuarter()}`, as: 'admin' },
  { name: 'funnel', path: '/funnel?by=source', as: 'admin' },
  { name: 'sla-board', path: '/sla', as: 'admin' },
  { name: 'campaigns', path: '/campaigns', as: 'admin' },
  {
    name: 'campaign',
    path: async (context) => (context.topCampaign ? `/campaigns/${context.topCampaign}` : null),
    as: 'admin',
  },
  { name: 'attribution', path: '/attribution', as: 'admin' },
  { name: 'win-loss', path: '/win-loss', as: 'admin' },
  {
    name: 'deal-review',
    path: async (context) => (context.lastWonDeal ? `/deals/${context.lastWonDeal}` : null),
    as: 'admin',
  },
  { name: 'lead-quality', path: '/lead-quality', as: 'admin' },
  { name: 'insights', path: '/insights', as: 'admin' },
  { name: 'deals', path: '/deals?status=won&sort=-amount', as: 'admin' },
  {
    name: 'records',
    path: `/records?${new URLSearchParams({
      src: `/api/v1/reports/funnel/records?view=cohort&period=${currentQuarter()}&metric=reached&stage=mql`,
      title: `MQLs: leads created in ${currentQuarter()}`,
    })}`,
    as: 'admin',
  },
  { name: 'leads', path: '/leads?stage=mql&sort=-score', as: 'admin' },
  {
    name: 'lead',
    path: async (context) => (context.firstQueueLead ? `/leads/${context.firstQueueLead}` : null),
    as: 'admin',
  },
  { name: 'queue-phone', path: '/queue', as: 'rep', viewport: PHONE },
  { name: 'needs-qualification', path: '/qualification', as: 'admin' },
  { name: 'settings-scoring', path: '/settings/scoring', as: 'admin' },
  { name: 'settings-qualification', path: '/settings/qualification', as: 'admin' },
  { name: 'settings-routing', path: '/settings/routing', as: 'admin' },
  { name: 'settings-sla', path: '/settings/sla', as: 'admin' },
  { name: 'settings-reasons', path: '/settings/reasons', as: 'admin' },
  { name: 'settings-imports', path: '/settings/imports', as: 'admin' },
  { name: 'settings-users', path: '/settings/users', as: 'admin' },
  { name: 'settings-teams', path: '/settings/teams', as: 'admin' },
  { name: 'settings-tokens', path: '/settings/tokens', as: 'admin' },
];

/** Waits until no loading state, busy region or route progress bar is left, then lets charts settle. */
async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  // Evaluated in the page (as text: this script is type-checked without the DOM library).
  await page.waitForFunction(
    `document.querySelector('.state-loading, [aria-busy="true"], .route-progress') === null &&
      document.querySelector('#root')?.childElementCount !== 0`,
    undefined,
    { timeout: 120_000 },
  );
  await page.waitForTimeout(600);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'data-dir': { type: 'string' }, only: { type: 'string' } },
  });
  const only = values.only ? new Set(values.only.split(',')) : null;
  ensureWebBuilt();

  const temporary = values['data-dir'] ? null : mkdtempSync(join(tmpdir(), 'tandem-screenshots-'));
  const dataDir = values['data-dir'] ?? join(temporary!, 'store');
  const database = await openDatabase({ dataDir });
  try {
    await migrateToLatest(database.db);
    const hasLeads = await database.db.selectFrom('leads').select('id').limit(1).executeTakeFirst();
    if (!hasLeads) {
      console.log('Generating the demo company (size s)…');
      await generateDemo(database.db, {
        size: 's',
        seed: DEFAULT_DEMO_SEED,
        workspace: { slug: DEFAULT_WORKSPACE_SLUG, name: 'Demo Company' },
      });
    }
    // What a running server does within a minute of its first start: the first decay rescore
    // hands off the leads the scoring model puts over the MQL score, and the SLA worker opens
    // the handoffs' clocks (the queue shows their countdowns) and acts on the overdue ones.
    await rescoreDueWorkspaces(database.db, new Date());
    for (let round = 0; round < 20; round++) {
      const tick = await runSlaTick(database.db, new Date());
      if (tick.opened === 0 && Object.keys(tick.events).length === 0) break;
    }
    // The rep with the fullest queue, and the hottest lead in it.
    const rep = await database.db
      .selectFrom('leads')
      .innerJoin('users', 'users.id', 'leads.owner_id')
      .select(['users.id', 'users.email', (eb) => eb.fn.countAll<number>().as('open')])
      .where('users.role', 'in', ['sdr', 'sales'])
      .where('leads.stage', 'in', ['mql', 'sal'])
      .groupBy(['users.id', 'users.email'])
      .orderBy('open', 'desc')
      .executeTakeFirstOrThrow();
    const hottest = await database.db
      .selectFrom('leads')
      .select('id')
      .where('owner_id', '=', rep.id)
      .where('stage', 'in', ['mql', 'sal'])
      .orderBy('score', 'desc')
      .orderBy('id')
      .executeTakeFirst();
    const campaign = await database.db
      .selectFrom('campaigns')
      .select('id')
      .orderBy('cost', 'desc')
      .orderBy('id')
      .executeTakeFirst();
    const deal = await database.db
      .selectFrom('opportunities')
      .select('id')
      .where('status', '=', 'won')
      .orderBy('closed_at', 'desc')
      .orderBy('id')
      .executeTakeFirst();
    const context: ShotContext = {
      repId: rep.id,
      firstQueueLead: hottest?.id ?? null,
      topCampaign: campaign?.id ?? null,
      lastWonDeal: deal?.id ?? null,
    };

    const app = await buildApp({ database, webDir: WEB_DIST });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('the server has no TCP address');
    const baseUrl = `http://127.0.0.1:${address.port}`;
    const browser = await launchBrowser();
    const problems: string[] = [];
    const timings: string[] = [];
    try {
      for (const shot of SHOTS) {
        if (only && !only.has(shot.name)) continue;
        const path = typeof shot.path === 'string' ? shot.path : await shot.path(context);
        if (!path) {
          console.log(`skipped ${shot.name}: nothing to show`);
          continue;
        }
        const browserContext = await newContext(browser, shot.viewport ?? DESKTOP);
        // Reports over the whole demo company can take a while on the embedded store.
        browserContext.setDefaultTimeout(120_000);
        const page = await browserContext.newPage();
        const watch = watchPage(page);
        watch.expect({ method: 'GET', path: '/api/v1/auth/me', status: 401 });
        if (shot.as !== 'signed-out') {
          await signIn(page, baseUrl, {
            email: shot.as === 'admin' ? DEMO_ADMIN_EMAIL : rep.email,
            password: DEMO_PASSWORD,
          });
        }
        await page.goto(`${baseUrl}${path}`);
        if (shot.name === 'scorecard' || shot.name === 'queue-phone') {
          // The first page each role sees: how long until it is usable, from navigation start.
          await page.waitForFunction(
            `document.querySelector('.kpi, .queue-card, .state-empty') !== null && document.querySelector('.state-loading') === null`,
            undefined,
            { timeout: 120_000 },
          );
          const interactive = Number(await page.evaluate('performance.now()'));
          timings.push(`${shot.name}: interactive after ${Math.round(interactive)} ms`);
        }
        await settle(page);
        if (shot.before) {
          await shot.before(page);
          await settle(page);
        }
        const file = join(OUT_DIR, `${shot.name}.png`);
        await page.screenshot({ path: file });
        problems.push(...watch.problems().map((problem) => `${shot.name}: ${problem}`));
        console.log(`saved ${file}`);
        await browserContext.close();
      }
    } finally {
      await browser.close();
      await app.close();
    }
    if (timings.length > 0) console.log(`First pages of the demo company: ${timings.join('; ')}`);
    if (problems.length > 0) {
      console.error(`The pages reported problems:\n${problems.join('\n')}`);
      process.exitCode = 1;
    }
  } finally {
    await database.close();
    if (temporary) rmSync(temporary, { recursive: true, force: true });
  }
}

await main();
