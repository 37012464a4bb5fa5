import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../db/database.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/harness.ts';
import { ensureWorkspace } from '../workspaces/workspaces.service.ts';
import * as repository from './routing.repository.ts';
import { routeLead } from './routing.service.ts';

// Round robin under concurrency: on PostgreSQL two separate pools (as two app processes would
// have) route 60 leads at the same time; on PGlite, one after the other. Either way the
// weighted distribution must be exact and the cursor must have moved by exactly the slots used.

let database: TestDatabase;
let second: Database | null = null;
let workspaceId: number;
let teamId: number;
let reps: number[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  if (database.url) second = await openDatabase({ url: database.url, poolSize: 10 });
  const db = database.db;
  workspaceId = (await ensureWorkspace(db, { name: 'Concurrency', slug: 'concurrency' })).id;
  teamId = (
    await db
      .insertInto('teams')
      .values({ workspace_id: workspaceId, name: 'Reps' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  reps = (
    await db
      .insertInto('users')
      .values(
        [1, 2, 3, 4].map((n) => ({
          workspace_id: workspaceId,
          email: `rep${n}@concurrency.example`,
          name: `Rep ${n}`,
          role: 'sales' as const,
          team_id: teamId,
          status: n === 4 ? ('away' as const) : ('active' as const),
        })),
      )
      .returning('id')
      .execute()
  ).map((row) => row.id);
  await repository.replaceRules(
    db,
    workspaceId,
    [
      {
        position: 0,
        name: 'Team',
        kind: 'match',
        conditions: [],
        team_id: teamId,
        user_id: null,
        // Weights 2, 1, 1 and an away rep with weight 1: a round has 5 slots, 4 usable.
        weights: { [String(reps[0])]: 2 },
        active: true,
      },
    ],
    new Date(),
  );
});
afterAll(async () => {
  await second?.close();
  await database?.close();
});

describe('concurrent round robin', () => {
  it('gives each available rep exactly weight x rounds and never reuses or skips a slot', async () => {
    const db = database.db;
    const rounds = 15;
    const leads = await db
      .insertInto('leads')
      .values(
        Array.from({ length: rounds * 4 }, (_, i) => ({
          workspace_id: workspaceId,
          email: `lead${i}@concurrency.example`,
          stage: 'mql' as const,
          mql_at: new Date(),
        })),
      )
      .returning('id')
      .execute();
    const route = (target: Database['db'], leadId: number) =>
      target
        .transaction()
        .execute((trx) =>
          routeLead(trx, workspaceId, leadId, { now: new Date(), reason: 'concurrency test' }),
        );
    if (second) {
      const pools = [db, second.db];
      await Promise.all(leads.map((lead, i) => route(pools[i % 2] as Database['db'], lead.id)));
    } else {
      for (const lead of leads) await route(db, lead.id);
    }
    const counts = await db
      .selectFrom('leads')
      .select(['owner_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('workspace_id', '=', workspaceId)
      .groupBy('owner_id')
      .execute();
    const byOwner = Object.fromEntries(counts.map((row) => [String(row.owner_id), Number(row.n)]));
    expect(byOwner).toEqual({
      [String(reps[0])]: 2 * rounds,
      [String(reps[1])]: rounds,
      [String(reps[2])]: rounds,
    });
    const cursor = await db
      .selectFrom('routing_cursors')
      .select('position')
      .where('workspace_id', '=', workspaceId)
      .where('team_id', '=', teamId)
      .executeTakeFirstOrThrow();
    // Every round consumes its 5 slots (the away rep's slot is passed over, not reused).
    expect(Number(cursor.position)).toBe(rounds * 5);
    const assignments = await db
      .selectFrom('lead_assignments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirstOrThrow();
    expect(Number(assignments.n)).toBe(leads.length);
  });
});
