import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { presenceRows, winRate } from './winloss.ts';

describe('win rate', () => {
  it('is won over closed, null with nothing closed', () => {
    expect(winRate(3, 1)).toBe(0.75);
    expect(winRate(0, 0)).toBeNull();
  });
});

describe('presence in won against lost deals', () => {
  it('gives shares of won and of lost deals and their difference, largest first', () => {
    const rows = presenceRows(
      [
        { key: 'webinar', wonWith: 4, lostWith: 1 },
        { key: 'ad', wonWith: 1, lostWith: 5 },
      ],
      8,
      10,
    );
    expect(rows.map((row) => [row.key, row.wonShare, row.lostShare, row.difference])).toEqual([
      ['webinar', 0.5, 0.1, 0.4],
      ['ad', 0.125, 0.5, -0.375],
    ]);
    expect(presenceRows([{ key: 'x', wonWith: 2, lostWith: 0 }], 2, 0)[0]).toMatchObject({
      lostShare: null,
      difference: null,
    });
  });

  it('keeps shares between 0 and 1 and sorts by difference', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 100 }),
        fc.array(
          fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
          { maxLength: 10 },
        ),
        (won, lost, items) => {
          const rows = presenceRows(
            items.map(([w, l], index) => ({
              key: `k${index}`,
              wonWith: Math.floor(w * won),
              lostWith: Math.floor(l * lost),
            })),
            won,
            lost,
          );
          for (const row of rows) {
            expect(row.wonShare).toBeGreaterThanOrEqual(0);
            expect(row.wonShare).toBeLessThanOrEqual(1);
            expect(row.difference).toBeCloseTo((row.wonShare as number) - (row.lostShare as number), 12);
          }
          for (let index = 1; index < rows.length; index++) {
            expect(rows[index - 1]?.difference).toBeGreaterThanOrEqual(rows[index]?.difference as number);
          }
        },
      ),
    );
  });
});
