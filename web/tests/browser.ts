// Shared setup of the browser tests: a fresh build of the web app when its sources changed,
// the real server on a real database, and Debian's Chromium driven by playwright-core.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { Role } from '../../src/db/tables/foundation.ts';
import { createApiToken } from '../../src/modules/auth/auth.service.ts';
import { systemCaller } from '../../src/modules/auth/auth.ts';
import { createUser } from '../../src/modules/users/users.service.ts';
import { ensureWorkspace } from '../../src/modules/workspaces/workspaces.service.ts';
import { buildApp } from '../../src/server/app.ts';
import type { App } from '../../src/server/types.ts';
import { createTestDatabase, type TestDatabase } from '../../src/testing/harness.ts';

export const WEB_ROOT = resolve('web');
export const WEB_DIST = join(WEB_ROOT, 'dist');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Builds web/dist when it is missing or older than any web source. */
export function ensureWebBuilt(): void {
  const built = join(WEB_DIST, 'index.html');
  const sources = ['src', 'public', 'index.html', 'vite.config.ts']
    .map((part) => join(WEB_ROOT, part))
    .filter((path) => existsSync(path));
  // The web app imports the API's schema types and the lifecycle rules from src/.
  const newestSource = Math.max(...sources.map(newestMtime));
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource) return;
  const result = spawnSync(
    process.execPath,
    ['node_modules/vite/bin/vite.js', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'error'],
    // The test runner sets NODE_ENV=test; the app must be built as for production.
    { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } },
  );
  if (result.status !== 0) throw new Error(`vite build failed with status ${result.status}`);
}

export interface SeededUser {
  id: number;
  email: string;
  password: string;
  role: Role;
  name: string;
  token: string;
}

export interface TestServer {
  database: TestDatabase;
  app: App;
  url: string;
  workspaceId: number;
  user(role: Role, name: string, fields?: { team_id?: number; manager_id?: number }): Promise<SeededUser>;
  close(): Promise<void>;
}

/** The real server on 127.0.0.1 with a random port, on in-memory PGlite or TANDEM_TEST_DATABASE_URL. */
export async function startServer(): Promise<TestServer> {
  const database = await createTestDatabase();
  const workspace = await ensureWorkspace(database.db, { name: 'Browser Test Co', slug: 'browser' });
  const system = systemCaller(workspace.id);
  const app = await buildApp({ database, webDir: WEB_DIST });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the server has no TCP address');
  let counter = 0;
  return {
    database,
    app,
    url: `http://127.0.0.1:${address.port}`,
    workspaceId: workspace.id,
    user: async (role, name, fields = {}) => {
      counter += 1;
      const email = `${role}${counter}@browser.example`;
      const password = `password-${role}-${counter}`;
      const created = await createUser(database.db, system, { email, name, role, password, ...fields });
      const { token } = await createApiToken(database.db, system, {
        name: 'browser test',
        userId: created.id,
      });
      return { id: created.id, email, password, role, name, token };
    },
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export interface ExpectedFailure {
  method: string;
  /** Path and query under the server, e.g. /api/v1/auth/me. */
  path: string | RegExp;
  status: number;
}

/**
 * Watches a page for problems: console errors, uncaught exceptions and HTTP failures.
 * Failed responses the test provokes on purpose are declared with `expect`; anything
 * else ends up in `problems()`.
 */
export function watchPage(page: Page) {
  const consoleErrors: string[] = [];
  const failures: { method: string; path: string; status: number }[] = [];
  const expected: ExpectedFailure[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) {
      const url = new URL(response.url());
      failures.push({
        method: response.request().method(),
        path: url.pathname + url.search,
        status: response.status(),
      });
    }
  });
  const isExpected = (failure: { method: string; path: string; status: number }) =>
    expected.some(
      (rule) =>
        rule.method === failure.method &&
        rule.status === failure.status &&
        (typeof rule.path === 'string' ? failure.path === rule.path : rule.path.test(failure.path)),
    );
  return {
    expect(rule: ExpectedFailure) {
      expected.push(rule);
    },
    /** Everything that went wrong and was not provoked on purpose. */
    problems(): string[] {
      const unexpected = failures.filter((failure) => !isExpected(failure));
      const expectedCount = failures.length - unexpected.length;
      // Chromium logs each failed request as a console error; those of expected failures are fine.
      let allowance = expectedCount;
      const errors = consoleErrors.filter((text) => {
        if (
          allowance > 0 &&
          text.startsWith('Failed to load resource: the server responded with a status of')
        ) {
          allowance -= 1;
          return false;
        }
        return true;
      });
      return [
        ...errors.map((text) => `console: ${text}`),
        ...unexpected.map((failure) => `http: ${failure.method} ${failure.path} -> ${failure.status}`),
      ];
    },
  };
}

/** Signs in through the login form and waits for the signed-in frame. */
export async function signIn(
  page: Page,
  baseUrl: string,
  user: { email: string; password: string },
): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export async function newContext(
  browser: Browser,
  viewport = { width: 1280, height: 860 },
): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport,
    acceptDownloads: true,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  // Fail fast: a missing element should not eat the whole test's time budget.
  context.setDefaultTimeout(10_000);
  return context;
}
