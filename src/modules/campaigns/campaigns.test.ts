import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { campaignDatesIssue } from './campaigns.ts';

const day = fc
  .integer({ min: 0, max: 3000 })
  .map((offset) => new Date(Date.UTC(2020, 0, 1) + offset * 86_400_000));

describe('campaign dates', () => {
  it('accept an end on or after the start (compared as days), and open ends', () => {
    fc.assert(
      fc.property(day, day, (start, end) => {
        const issue = campaignDatesIssue(start.toISOString().slice(0, 10), end.toISOString().slice(0, 10));
        expect(issue === null).toBe(end.getTime() >= start.getTime());
      }),
    );
    expect(campaignDatesIssue(null, '2020-01-01')).toBeNull();
    expect(campaignDatesIssue('2020-01-01', undefined)).toBeNull();
    expect(campaignDatesIssue('2026-05-01', '2026-04-30')).toBe(
      'must be on or after start_date (2026-05-01), got 2026-04-30',
    );
  });
});
