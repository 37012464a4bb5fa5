import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertUniqueInBatch,
  idempotentBatchResult,
  pairInserted,
  pickReferences,
  singleItemPath,
  skippedExternalIds,
} from './batch.ts';
import { AppError } from './errors.ts';

interface Item {
  lead_id?: number;
  email?: string;
}
const leads = new Map([
  [1, { id: 1, email: 'a@x.com' }],
  [2, { id: 2, email: 'b@x.com' }],
]);
const byEmail = new Map([...leads.values()].map((lead) => [lead.email, lead]));
const kinds = [
  { field: 'lead_id', keyOf: (item: Item) => item.lead_id, found: leads, keyLabel: 'id' },
  { field: 'email', keyOf: (item: Item) => item.email, found: byEmail, keyLabel: 'email' },
];

describe('batch helpers', () => {
  it('picks each item its record and names the item field of every unknown or conflicting reference', () => {
    const items: Item[] = [
      { lead_id: 1 },
      { email: 'b@x.com' },
      { lead_id: 7 },
      { lead_id: 1, email: 'b@x.com' },
      {},
      { lead_id: 2, email: 'b@x.com' },
    ];
    const { rows, issues } = pickReferences(items, 'lead', kinds);
    expect(rows.map((row) => row?.id)).toEqual([1, 2, undefined, undefined, undefined, 2]);
    expect(issues).toEqual([
      { path: 'items.2.lead_id', message: 'no lead with id 7' },
      { path: 'items.3.email', message: 'points at lead 2 but lead_id points at lead 1' },
    ]);
    expect(pickReferences([{ email: 'z@x.com' }], 'lead', kinds, singleItemPath).issues).toEqual([
      { path: 'email', message: 'no lead with email "z@x.com"' },
    ]);
  });

  it('refuses a key that appears twice in a batch, naming the later item', () => {
    expect(() =>
      assertUniqueInBatch([{ k: 'a' }, { k: 'b' }, { k: 'a' }], (item) => item.k, 'external_id'),
    ).toThrow('items.2.external_id: "a" appears twice in this batch (also items.0.external_id)');
    expect(() =>
      assertUniqueInBatch([{ k: null }, { k: null }], (item) => item.k, 'external_id'),
    ).not.toThrow();
  });

  it('pairs inserted rows with their items whatever subset was skipped as already recorded', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ keyed: fc.boolean(), skipped: fc.boolean(), lead: fc.integer({ min: 1, max: 3 }) }),
          {
            maxLength: 40,
          },
        ),
        (spec) => {
          const items = spec.map((entry, index) => ({
            external_id: entry.keyed ? `e${index}` : null,
            lead_id: entry.lead,
          }));
          // Only keyed items can be skipped; rows come back in input order with fresh ids.
          const rows = items
            .map((item, index) => ({ ...item, index }))
            .filter((item, index) => !(item.external_id !== null && spec[index]?.skipped))
            .map((item, position) => ({
              id: 1000 + position,
              external_id: item.external_id,
              lead_id: item.lead_id,
              from: item.index,
            }));
          const paired = pairInserted(items, rows, (item, row) => item.lead_id === row.lead_id);
          expect(paired.map((row) => row.index)).toEqual(rows.map((row) => row.from));
          const skipped = skippedExternalIds(items, paired);
          expect(skipped).toEqual(
            items
              .filter((item, index) => item.external_id !== null && spec[index]?.skipped)
              .map((item) => item.external_id),
          );
          const earlier = new Map(skipped.map((key, index) => [key as string, index + 1]));
          const result = idempotentBatchResult(items, paired, earlier);
          expect(result.created + result.existing).toBe(items.length);
          expect(result.existing).toBe(skipped.length);
          expect(result.ids).toHaveLength(items.length);
        },
      ),
    );
  });

  it('reports a conflict when a skipped item has no earlier row any more', () => {
    const error = (() => {
      try {
        idempotentBatchResult([{ external_id: 'gone' }], [], new Map());
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('CONFLICT');
  });
});
