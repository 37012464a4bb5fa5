import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hasUtm,
  type LeadTouchFields,
  leadTouchFieldsAfter,
  occurredAtIssue,
  type TouchForAttribution,
  touchUpdatesPerLead,
  UTM_FIELDS,
  type Utm,
} from './touchpoints.ts';

const utmValue = fc.option(fc.constantFrom('google', 'cpc', 'spring', 'x'), { nil: null });
const touchArbitrary = fc.record({
  utm_source: utmValue,
  utm_medium: utmValue,
  utm_campaign: utmValue,
  utm_term: utmValue,
  utm_content: utmValue,
  // A few distinct days so that ties happen.
  day: fc.integer({ min: 1, max: 6 }),
  campaign_id: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
});

/** Touches numbered in recording order, cut into consecutive batches at the given points. */
function journeys() {
  return fc
    .tuple(fc.array(touchArbitrary, { minLength: 1, maxLength: 25 }), fc.array(fc.nat(), { maxLength: 5 }))
    .map(([raw, cuts]) => {
      const touches: TouchForAttribution[] = raw.map((touch, index) => ({
        id: index + 1,
        occurred_at: new Date(Date.UTC(2026, 0, touch.day)),
        campaign_id: touch.campaign_id,
        utm_source: touch.utm_source,
        utm_medium: touch.utm_medium,
        utm_campaign: touch.utm_campaign,
        utm_term: touch.utm_term,
        utm_content: touch.utm_content,
      }));
      const points = [...new Set(cuts.map((cut) => cut % touches.length))].sort((a, b) => a - b);
      const batches: TouchForAttribution[][] = [];
      let start = 0;
      for (const point of [...points, touches.length]) {
        if (point > start) batches.push(touches.slice(start, point));
        start = Math.max(start, point);
      }
      return { touches, batches };
    });
}

function replay(batches: TouchForAttribution[][]): LeadTouchFields {
  let state: LeadTouchFields = { first: null, last: null, first_campaign_id: null };
  const seen: TouchForAttribution[] = [];
  for (const batch of batches) {
    state = leadTouchFieldsAfter(state, seen, batch);
    seen.push(...batch);
  }
  return state;
}

const utmOf = (touch: TouchForAttribution): Utm =>
  Object.fromEntries(UTM_FIELDS.map((field) => [field, touch[field]])) as Utm;

describe('lead first/last-touch rules', () => {
  it('last touch is the latest UTM-carrying touch overall, however the touches were batched', () => {
    fc.assert(
      fc.property(journeys(), ({ touches, batches }) => {
        // The slow obvious answer: scan every touch, keep the greatest (occurred_at, id).
        let latest: TouchForAttribution | null = null;
        for (const touch of touches) {
          if (!hasUtm(touch)) continue;
          if (
            latest === null ||
            touch.occurred_at.getTime() > latest.occurred_at.getTime() ||
            (touch.occurred_at.getTime() === latest.occurred_at.getTime() && touch.id > latest.id)
          )
            latest = touch;
        }
        expect(replay(batches).last).toEqual(latest ? utmOf(latest) : null);
      }),
    );
  });

  it('first touch and first campaign come from the first batch that has them and never change after', () => {
    fc.assert(
      fc.property(journeys(), ({ batches }) => {
        const state = replay(batches);
        const firstWithUtm = batches.find((batch) => batch.some(hasUtm));
        if (!firstWithUtm) {
          expect(state.first).toBeNull();
        } else {
          const earliest = [...firstWithUtm]
            .filter(hasUtm)
            .sort((a, b) => a.occurred_at.getTime() - b.occurred_at.getTime() || a.id - b.id)[0];
          expect(state.first).toEqual(earliest ? utmOf(earliest) : null);
        }
        const firstWithCampaign = batches.find((batch) => batch.some((touch) => touch.campaign_id !== null));
        const earliestCampaign = firstWithCampaign
          ?.filter((touch) => touch.campaign_id !== null)
          .sort((a, b) => a.occurred_at.getTime() - b.occurred_at.getTime() || a.id - b.id)[0];
        expect(state.first_campaign_id).toBe(earliestCampaign?.campaign_id ?? null);
      }),
    );
  });

  it('touches without UTM parameters leave the UTM fields as they were', () => {
    const before: LeadTouchFields = {
      first: { utm_source: 'a', utm_medium: null, utm_campaign: null, utm_term: null, utm_content: null },
      last: { utm_source: 'b', utm_medium: 'c', utm_campaign: null, utm_term: null, utm_content: null },
      first_campaign_id: null,
    };
    const direct: TouchForAttribution = {
      id: 9,
      occurred_at: new Date('2030-01-01T00:00:00Z'),
      campaign_id: 2,
      utm_source: null,
      utm_medium: null,
      utm_campaign: null,
      utm_term: null,
      utm_content: null,
    };
    expect(leadTouchFieldsAfter(before, [], [direct])).toEqual({ ...before, first_campaign_id: 2 });
  });

  it('allows a day of clock skew for occurred_at and no more', () => {
    const now = new Date('2026-03-01T00:00:00Z');
    expect(occurredAtIssue(new Date('2026-03-01T23:59:59Z'), now)).toBeNull();
    expect(occurredAtIssue(new Date('2026-03-02T00:00:00Z'), now)).toBeNull();
    expect(occurredAtIssue(new Date('2026-03-02T00:00:01Z'), now)).toContain('more than a day in the future');
    expect(occurredAtIssue(new Date('2001-01-01T00:00:00Z'), now)).toBeNull();
  });
  it('the per-lead reduction sent to the database agrees with the rules for a lead with no history', () => {
    fc.assert(
      fc.property(
        journeys(),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 25, maxLength: 25 }),
        ({ touches }, leadOf) => {
          const withLeads = touches.map((touch, index) => ({ ...touch, lead_id: leadOf[index] as number }));
          const updates = new Map(touchUpdatesPerLead(withLeads).map((update) => [update.lead_id, update]));
          for (const leadId of [1, 2, 3]) {
            const own = withLeads.filter((touch) => touch.lead_id === leadId);
            const expected = leadTouchFieldsAfter(
              { first: null, last: null, first_campaign_id: null },
              [],
              own,
            );
            const update = updates.get(leadId);
            expect({
              first: update?.first ?? null,
              last: update?.last ?? null,
              first_campaign_id: update?.first_campaign_id ?? null,
            }).toEqual(expected);
          }
        },
      ),
    );
  });
});
