import fc from 'fast-check';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../db/schema.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/harness.ts';
import { ensureWorkspace } from '../workspaces/workspaces.service.ts';

// leads.first_response_at and first_week_attempts are kept by triggers (migration 0660).
// Whatever happens to a lead's activities and handoff moment, they must equal the plain
// definition computed from the activities: the first call, email or meeting at or after
// max(mql_at, assigned_at), and how many fell in the 7 days from it.

let store: TestDatabase;
let db: Kysely<DB>;
let workspaceId: number;
let other: number;

beforeAll(async () => {
  store = await createTestDatabase();
  db = store.db;
  workspaceId = (await ensureWorkspace(db, { name: 'Response', slug: 'response' })).id;
  other = (await ensureWorkspace(db, { name: 'Other', slug: 'other' })).id;
});
afterAll(async () => {
  await store?.close();
});

const at = (day: number, hour = 9) => new Date(Date.UTC(2026, 0, day, hour));

async function insertLead(
  email: string,
  mqlAt: Date | null,
  assignedAt: Date | null = null,
): Promise<number> {
  const row = await db
    .insertInto('leads')
    .values({ workspace_id: workspaceId, email, mql_at: mqlAt, assigned_at: assignedAt, lead_at: at(1) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function addActivity(leadId: number, type: 'call' | 'email' | 'meeting' | 'note', occurredAt: Date) {
  const row = await db
    .insertInto('activities')
    .values({ workspace_id: workspaceId, lead_id: leadId, type, occurred_at: occurredAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function stored(leadId: number) {
  const row = await db
    .selectFrom('leads')
    .select(['first_response_at', 'first_week_attempts'])
    .where('id', '=', leadId)
    .executeTakeFirstOrThrow();
  return { first: row.first_response_at?.toISOString() ?? null, week: row.first_week_attempts };
}

/** Every lead of the workspace whose stored figures differ from the definition. */
async function mismatches(): Promise<unknown[]> {
  const result = await sql`
    with expected as (
      select l.id, l.first_response_at, coalesce(l.first_week_attempts, 0) as week,
        (select min(a.occurred_at) from activities a
          where a.lead_id = l.id and a.type in ('call', 'email', 'meeting')
            and a.occurred_at >= greatest(l.mql_at, l.assigned_at)) as want_first,
        (select count(*)::int from activities a
          where a.lead_id = l.id and a.type in ('call', 'email', 'meeting')
            and a.occurred_at >= greatest(l.mql_at, l.assigned_at)
            and a.occurred_at < greatest(l.mql_at, l.assigned_at) + interval '7 days') as want_week
      from leads l where l.workspace_id = ${workspaceId} and l.mql_at is not null
    )
    select * from expected
    where first_response_at is distinct from want_first or week <> want_week`.execute(db);
  return result.rows;
}

describe('handoff response kept on the lead', () => {
  it('follows inserts, edits, deletes and a moved handoff, by hand', async () => {
    const lead = await insertLead('one@example.com', at(5));
    expect(await stored(lead)).toEqual({ first: null, week: null });
    // A note does not answer; a call before the handoff does not either.
    await addActivity(lead, 'note', at(5, 10));
    await addActivity(lead, 'call', at(4));
    expect(await stored(lead)).toEqual({ first: null, week: 0 });
    const email = await addActivity(lead, 'email', at(6));
    await addActivity(lead, 'meeting', at(13));
    expect(await stored(lead)).toEqual({ first: at(6).toISOString(), week: 1 });
    // The email moves after the meeting, which answers first; the meeting on the 13th is 8 days
    // after the handoff on the 5th: outside the first week.
    await db
      .updateTable('activities')
      .set({ occurred_at: at(14) })
      .where('id', '=', email)
      .execute();
    expect(await stored(lead)).toEqual({ first: at(13).toISOString(), week: 0 });
    // Assigned on the 10th: the handoff moves; both activities fall in the week from it.
    await db
      .updateTable('leads')
      .set({ assigned_at: at(10), owner_id: null })
      .where('id', '=', lead)
      .execute();
    expect(await stored(lead)).toEqual({ first: at(13).toISOString(), week: 2 });
    await db.deleteFrom('activities').where('id', '=', email).execute();
    expect(await stored(lead)).toEqual({ first: at(13).toISOString(), week: 1 });
    // The note becomes a call on the 11th, after the new handoff.
    await db
      .updateTable('activities')
      .set({ type: 'call', occurred_at: at(11) })
      .where('lead_id', '=', lead)
      .where('type', '=', 'note')
      .execute();
    expect(await stored(lead)).toEqual({ first: at(11).toISOString(), week: 2 });
    // Moving an activity to another lead updates both.
    const second = await insertLead('two@example.com', at(2));
    await db.updateTable('activities').set({ lead_id: second }).where('occurred_at', '=', at(11)).execute();
    expect(await stored(lead)).toEqual({ first: at(13).toISOString(), week: 1 });
    expect(await stored(second)).toEqual({ first: at(11).toISOString(), week: 0 });
    // A lead that never reached MQL keeps nothing.
    const early = await insertLead('three@example.com', null);
    await addActivity(early, 'call', at(20));
    expect(await stored(early)).toEqual({ first: null, week: null });
  });

  it('equals the definition after any sequence of writes', async () => {
    const leads = [
      await insertLead('p1@example.com', at(3)),
      await insertLead('p2@example.com', at(8), at(9)),
      await insertLead('p3@example.com', at(15)),
    ];
    // An activity in another workspace must not count (same ids never collide, but a stray
    // write must not touch these leads either).
    const foreign = await db
      .insertInto('leads')
      .values({ workspace_id: other, email: 'x@example.com', mql_at: at(3) })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('activities')
      .values({ workspace_id: other, lead_id: foreign.id, type: 'call', occurred_at: at(4) })
      .execute();
    const type = fc.constantFrom('call', 'email', 'meeting', 'note');
    const day = fc.integer({ min: 1, max: 28 });
    const leadIndex = fc.integer({ min: 0, max: leads.length - 1 });
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), lead: leadIndex, type, day }),
      fc.record({
        kind: fc.constant('batch' as const),
        lead: leadIndex,
        type,
        day,
        count: fc.integer({ min: 2, max: 4 }),
      }),
      fc.record({ kind: fc.constant('move' as const), day }),
      fc.record({ kind: fc.constant('retype' as const), type }),
      fc.record({ kind: fc.constant('delete' as const) }),
      fc.record({ kind: fc.constant('assign' as const), lead: leadIndex, day }),
      fc.record({ kind: fc.constant('mql' as const), lead: leadIndex, day }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 12 }), async (operations) => {
        for (const op of operations) {
          const oldest = () =>
            db
              .selectFrom('activities')
              .select('id')
              .where('workspace_id', '=', workspaceId)
              .where('lead_id', 'in', leads)
              .orderBy('id')
              .limit(1);
          switch (op.kind) {
            case 'insert':
              await addActivity(leads[op.lead] as number, op.type, at(op.day, 11));
              break;
            case 'batch':
              await db
                .insertInto('activities')
                .values(
                  Array.from({ length: op.count }, (_, i) => ({
                    workspace_id: workspaceId,
                    lead_id: leads[(op.lead + i) % leads.length] as number,
                    type: op.type,
                    occurred_at: at(op.day, 8 + i),
                  })),
                )
                .execute();
              break;
            case 'move':
              await db
                .updateTable('activities')
                .set({ occurred_at: at(op.day, 12) })
                .where('id', 'in', oldest())
                .execute();
              break;
            case 'retype':
              await db.updateTable('activities').set({ type: op.type }).where('id', 'in', oldest()).execute();
              break;
            case 'delete':
              await db.deleteFrom('activities').where('id', 'in', oldest()).execute();
              break;
            case 'assign':
              await db
                .updateTable('leads')
                .set({ assigned_at: at(op.day, 10) })
                .where('id', '=', leads[op.lead] as number)
                .execute();
              break;
            case 'mql':
              await db
                .updateTable('leads')
                .set({ mql_at: at(op.day, 7) })
                .where('id', '=', leads[op.lead] as number)
                .execute();
              break;
          }
        }
        expect(await mismatches()).toEqual([]);
      }),
      { numRuns: 25 },
    );
  });
});
