import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrator.ts';
import type { Role } from '../db/tables/foundation.ts';
import { createApiToken } from '../modules/auth/auth.service.ts';
import { systemCaller } from '../modules/auth/auth.ts';
import { createUser } from '../modules/users/users.service.ts';
import { ensureWorkspace } from '../modules/workspaces/workspaces.service.ts';
import { buildApp } from '../server/app.ts';
import type { App } from '../server/types.ts';

export interface TestDatabase extends Database {
  /** The URL of the per-run PostgreSQL database, when running on PostgreSQL. */
  url?: string;
}

function adminUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * A fresh, migrated database: in-memory PGlite by default, or a new PostgreSQL database
 * on TANDEM_TEST_DATABASE_URL's server that is dropped again on close.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.TANDEM_TEST_DATABASE_URL;
  if (!base) {
    const database = await openDatabase({ dataDir: 'memory://' });
    await migrateToLatest(database.db);
    return database;
  }
  const name = `tandem_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = adminUrl(base, name);
  const database = await openDatabase({ url, poolSize: 10 });
  await migrateToLatest(database.db);
  return {
    ...database,
    url,
    close: async () => {
      await database.close();
      const dropper = new pg.Client({ connectionString: base });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}

export interface TestUser {
  id: number;
  email: string;
  role: Role;
  token: string;
  /** Authorization header for app.inject. */
  headers: { authorization: string };
}

export interface TestContext {
  database: TestDatabase;
  app: App;
  workspaceId: number;
  admin: TestUser;
  /** Creates a user with a role and an API token. */
  user(
    role: Role,
    fields?: { name?: string; email?: string; team_id?: number; manager_id?: number; password?: string },
  ): Promise<TestUser>;
  close(): Promise<void>;
}

let userCounter = 0;

export async function createTestContext(options: { adminPassword?: string } = {}): Promise<TestContext> {
  const database = await createTestDatabase();
  const workspace = await ensureWorkspace(database.db, { name: 'Test Co', slug: 'test' });
  const system = systemCaller(workspace.id);
  const user: TestContext['user'] = async (role, fields = {}) => {
    userCounter += 1;
    const email = fields.email ?? `${role}${userCounter}@test.example`;
    const created = await createUser(database.db, system, {
      email,
      name: fields.name ?? `${role} ${userCounter}`,
      role,
      team_id: fields.team_id,
      manager_id: fields.manager_id,
      password: fields.password,
    });
    const { token } = await createApiToken(database.db, system, { name: 'test', userId: created.id });
    return { id: created.id, email, role, token, headers: { authorization: `Bearer ${token}` } };
  };
  const admin = await user('admin', { email: 'admin@test.example', password: options.adminPassword });
  const app = await buildApp({ database });
  await app.ready();
  return {
    database,
    app,
    workspaceId: workspace.id,
    admin,
    user,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}
