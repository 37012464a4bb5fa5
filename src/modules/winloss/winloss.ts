/** Win/loss rules as pure functions. */

/** What win rates can be broken down by. */
export const WIN_LOSS_DIMENSIONS = [
  'segment',
  'owner',
  'team',
  'manager',
  'source',
  'channel',
  'campaign',
  'product',
  'competitor',
] as const;
export type WinLossDimension = (typeof WIN_LOSS_DIMENSIONS)[number];

/** won / (won + lost); null when nothing closed. */
export function winRate(won: number, lost: number): number | null {
  return won + lost > 0 ? won / (won + lost) : null;
}

export interface PresenceCount {
  key: string;
  wonWith: number;
  lostWith: number;
}

export interface PresenceRow extends PresenceCount {
  /** Share of won deals whose journey held the item. */
  wonShare: number | null;
  /** Share of lost deals whose journey held the item. */
  lostShare: number | null;
  /** wonShare - lostShare (a positive difference: more common in wins). */
  difference: number | null;
}

/**
 * Which items (campaigns, touch types, content) were present in won deals against lost
 * ones: the share of each, and the difference, largest first.
 */
export function presenceRows(
  counts: readonly PresenceCount[],
  wonTotal: number,
  lostTotal: number,
): PresenceRow[] {
  return counts
    .map((count) => {
      const wonShare = wonTotal > 0 ? count.wonWith / wonTotal : null;
      const lostShare = lostTotal > 0 ? count.lostWith / lostTotal : null;
      return {
        ...count,
        wonShare,
        lostShare,
        difference: wonShare !== null && lostShare !== null ? wonShare - lostShare : null,
      };
    })
    .sort(
      (a, b) =>
        (b.difference ?? Number.NEGATIVE_INFINITY) - (a.difference ?? Number.NEGATIVE_INFINITY) ||
        b.wonWith + b.lostWith - (a.wonWith + a.lostWith) ||
        (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
}
