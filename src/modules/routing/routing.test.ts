import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chooseSlot,
  emailDomain,
  matchingRules,
  normalizeDomain,
  type RoutingRule,
  unavailableReason,
  weightedSequence,
} from './routing.ts';

function rule(id: number, position: number, fields: Partial<RoutingRule> = {}): RoutingRule {
  return {
    id,
    position,
    name: `rule ${id}`,
    kind: 'match',
    conditions: [],
    team_id: 1,
    user_id: null,
    weights: {},
    active: true,
    ...fields,
  };
}

describe('rule matching', () => {
  const rules = [
    rule(1, 3, { name: 'catch-all' }),
    rule(2, 1, {
      name: 'DACH',
      conditions: [{ field: 'country', operator: 'in', value: ['DE', 'AT', 'CH'] }],
    }),
    rule(3, 2, {
      name: 'enterprise',
      conditions: [
        { field: 'employees', operator: 'gte', value: 1000 },
        { field: 'industry', operator: 'equals', value: 'software' },
      ],
    }),
    rule(4, 0, { name: 'paused', active: false }),
  ];
  const subject = (lead: Record<string, unknown>) => ({
    lead: { custom_fields: {}, ...lead },
    account: null,
  });

  it('keeps the configured order and skips inactive rules', () => {
    expect(
      matchingRules(rules, subject({ country: 'de', employees: 5000, industry: 'Software' })).map(
        (r) => r.name,
      ),
    ).toEqual(['DACH', 'enterprise', 'catch-all']);
  });

  it('needs every condition of a rule', () => {
    expect(
      matchingRules(rules, subject({ country: 'US', employees: 5000, industry: 'Retail' })).map(
        (r) => r.name,
      ),
    ).toEqual(['catch-all']);
  });
});

describe('availability', () => {
  it('says why a user is skipped', () => {
    expect(unavailableReason({ status: 'active', capacity: null, open_leads: 99 })).toBeNull();
    expect(unavailableReason({ status: 'away', capacity: null, open_leads: 0 })).toBe('away');
    expect(unavailableReason({ status: 'inactive', capacity: 5, open_leads: 0 })).toBe('inactive');
    expect(unavailableReason({ status: 'active', capacity: 3, open_leads: 3 })).toBe(
      'over capacity (3 of 3 open leads)',
    );
    expect(unavailableReason({ status: 'active', capacity: 3, open_leads: 2 })).toBeNull();
    expect(unavailableReason({ status: 'active', capacity: 0, open_leads: 0 })).toBe(
      'over capacity (0 of 0 open leads)',
    );
  });
});

describe('weighted round robin', () => {
  it('spreads weights 2 and 1 as A, B, A', () => {
    expect(
      weightedSequence([
        { user_id: 20, weight: 1 },
        { user_id: 10, weight: 2 },
      ]),
    ).toEqual([10, 20, 10]);
  });

  it('skips an away user and consumes the skipped slot', () => {
    const sequence = [1, 2, 3];
    const away = (id: number) => (id === 2 ? 'away' : null);
    expect(chooseSlot(sequence, 0, away)).toEqual({ user_id: 1, next_position: 1, skipped: [] });
    expect(chooseSlot(sequence, 1, away)).toEqual({
      user_id: 3,
      next_position: 3,
      skipped: [{ user_id: 2, reason: 'away' }],
    });
    expect(chooseSlot(sequence, 3, away)).toEqual({ user_id: 1, next_position: 4, skipped: [] });
    expect(chooseSlot(sequence, 5, () => 'away')).toBeNull();
    expect(chooseSlot([], 0, () => null)).toBeNull();
  });

  const membersArb = fc
    .uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 8 })
    .chain((ids) =>
      fc.tuple(
        fc.constant(ids),
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: ids.length, maxLength: ids.length }),
        fc.array(fc.boolean(), { minLength: ids.length, maxLength: ids.length }),
      ),
    )
    .map(([ids, weights, available]) =>
      ids.map((id, index) => ({
        user_id: id,
        weight: weights[index] as number,
        available: available[index] as boolean,
      })),
    );

  it('a round holds each member exactly weight times', () => {
    fc.assert(
      fc.property(membersArb, (members) => {
        const sequence = weightedSequence(members);
        return members.every(
          (member) => sequence.filter((id) => id === member.user_id).length === member.weight,
        );
      }),
    );
  });

  it('over N rounds of the available weight, each available user gets exactly weight * N, others none', () => {
    fc.assert(
      fc.property(membersArb, fc.integer({ min: 1, max: 5 }), fc.nat(50), (members, rounds, start) => {
        const sequence = weightedSequence(members);
        const availableWeight = members.filter((m) => m.available).reduce((sum, m) => sum + m.weight, 0);
        const reason = (id: number) => (members.find((m) => m.user_id === id)?.available ? null : 'away');
        const counts = new Map<number, number>();
        let position = start;
        for (let i = 0; i < rounds * availableWeight; i++) {
          const choice = chooseSlot(sequence, position, reason);
          if (!choice) return false;
          counts.set(choice.user_id, (counts.get(choice.user_id) ?? 0) + 1);
          position = choice.next_position;
        }
        if (availableWeight === 0) return chooseSlot(sequence, position, reason) === null;
        return members.every((m) => (counts.get(m.user_id) ?? 0) === (m.available ? m.weight * rounds : 0));
      }),
    );
  });

  it('never gives two consecutive assignments the same slot position', () => {
    fc.assert(
      fc.property(membersArb, fc.nat(100), (members, start) => {
        const sequence = weightedSequence(members);
        const reason = (id: number) => (members.find((m) => m.user_id === id)?.available ? null : 'away');
        const first = chooseSlot(sequence, start, reason);
        if (!first) return true;
        const second = chooseSlot(sequence, first.next_position, reason);
        return second === null || second.next_position > first.next_position;
      }),
    );
  });
});

describe('domains', () => {
  it('normalises email and web domains', () => {
    expect(emailDomain('Ana@Mail.ACME.com')).toBe('mail.acme.com');
    expect(emailDomain('nobody')).toBeNull();
    expect(emailDomain('x@')).toBeNull();
    expect(normalizeDomain('https://www.Acme.com/about?x=1')).toBe('acme.com');
    expect(normalizeDomain('www.')).toBeNull();
  });
});
