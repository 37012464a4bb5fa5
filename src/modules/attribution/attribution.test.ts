import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  apportionUnits,
  creditByState,
  type Journey,
  journeyPositions,
  lastIndexAtOrBefore,
  luFactor,
  luInverseDiagonal,
  luSolve,
  luSolveTransposed,
  MarkovCounter,
  type MarkovCounts,
  markovCredits,
  markovRemovalEffects,
  RULE_MODELS,
  type RuleModel,
  touchWeights,
} from './attribution.ts';

const DAY = 86_400_000;

/** A journey with its positional touches placed by journeyPositions from random moments. */
const journeyArbitrary = fc
  .record({
    states: fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { minLength: 1, maxLength: 12 }),
    gaps: fc.array(fc.integer({ min: 0, max: 30 * DAY }), { minLength: 12, maxLength: 12 }),
    leadOffset: fc.integer({ min: -DAY, max: 200 * DAY }),
    opportunityOffset: fc.integer({ min: -DAY, max: 400 * DAY }),
    amount: fc.integer({ min: 0, max: 5_000_000 }),
  })
  .map(({ states, gaps, leadOffset, opportunityOffset, amount }) => {
    const start = Date.UTC(2025, 0, 1);
    const times: number[] = [];
    let time = start;
    states.forEach((_, index) => {
      time += gaps[index] as number;
      times.push(time);
    });
    const positions = journeyPositions(times, start + leadOffset, start + opportunityOffset);
    const journey: Journey = { states, times, ...positions };
    return { journey, amount };
  });

function totalCredits(model: RuleModel, journeys: { journey: Journey; amount: number }[]) {
  const conversions = new Map<string, number>();
  const revenue = new Map<string, number>();
  for (const { journey, amount } of journeys) {
    for (const [state, credit] of creditByState(journey.states, touchWeights(model, journey))) {
      conversions.set(state, (conversions.get(state) ?? 0) + credit);
      revenue.set(state, (revenue.get(state) ?? 0) + credit * amount);
    }
  }
  return { conversions, revenue };
}

const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);

describe('rule models', () => {
  it('give every journey weights that are non-negative and add up to 1', () => {
    fc.assert(
      fc.property(journeyArbitrary, fc.constantFrom(...RULE_MODELS), ({ journey }, model) => {
        const weights = touchWeights(model, journey);
        expect(weights).toHaveLength(journey.states.length);
        for (const weight of weights) expect(weight).toBeGreaterThanOrEqual(0);
        expect(sum(weights)).toBeCloseTo(1, 12);
      }),
    );
  });

  it('credit, over many journeys, adds up to the conversions and to the revenue', () => {
    fc.assert(
      fc.property(
        fc.array(journeyArbitrary, { minLength: 1, maxLength: 40 }),
        fc.constantFrom(...RULE_MODELS),
        (journeys, model) => {
          const { conversions, revenue } = totalCredits(model, journeys);
          expect(sum(conversions.values())).toBeCloseTo(journeys.length, 9);
          expect(sum(revenue.values())).toBeCloseTo(sum(journeys.map((j) => j.amount)), 3);
          for (const credit of conversions.values()) expect(credit).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });

  it('does not depend on what the channels are called', () => {
    const rename: Record<string, string> = {
      a: 'email',
      b: 'paid_search',
      c: 'events',
      d: 'webinar',
      e: 'social',
    };
    fc.assert(
      fc.property(
        fc.array(journeyArbitrary, { minLength: 1, maxLength: 20 }),
        fc.constantFrom(...RULE_MODELS),
        (journeys, model) => {
          const renamed = journeys.map(({ journey, amount }) => ({
            journey: { ...journey, states: journey.states.map((state) => rename[state] as string) },
            amount,
          }));
          const original = totalCredits(model, journeys).conversions;
          const relabelled = totalCredits(model, renamed).conversions;
          for (const [state, credit] of original)
            expect(relabelled.get(rename[state] as string)).toBeCloseTo(credit, 12);
        },
      ),
    );
  });

  it('first and last touch credit the first and the last touch of each journey', () => {
    fc.assert(
      fc.property(fc.array(journeyArbitrary, { minLength: 1, maxLength: 30 }), (journeys) => {
        const byHand = (pick: (states: readonly string[]) => string) => {
          const counts = new Map<string, number>();
          for (const { journey } of journeys) {
            const state = pick(journey.states);
            counts.set(state, (counts.get(state) ?? 0) + 1);
          }
          return counts;
        };
        const first = totalCredits('first_touch', journeys).conversions;
        const last = totalCredits('last_touch', journeys).conversions;
        for (const [state, count] of byHand((states) => states[0] as string))
          expect(first.get(state)).toBeCloseTo(count, 12);
        for (const [state, count] of byHand((states) => states[states.length - 1] as string)) {
          expect(last.get(state)).toBeCloseTo(count, 12);
        }
      }),
    );
  });

  const journey = (n: number, leadIndex: number, opportunityIndex: number, gapDays = 1): Journey => ({
    states: Array.from({ length: n }, (_, index) => `s${index}`),
    times: Array.from({ length: n }, (_, index) => index * gapDays * DAY),
    leadIndex,
    opportunityIndex,
  });

  it('split positional journeys as worked out by hand', () => {
    // One touch: every model gives it everything.
    for (const model of RULE_MODELS) expect(touchWeights(model, journey(1, 0, 0))).toEqual([1]);
    // U-shaped: 40/40 and the 20% rest over the middle; with no middle, 50/50.
    expect(touchWeights('u_shaped', journey(2, 1, 1))).toEqual([0.5, 0.5]);
    expect(touchWeights('u_shaped', journey(3, 1, 2))).toEqual([0.4, 0.4, 0.2]);
    // Lead created at the first touch: both 40% shares land there.
    expect(touchWeights('u_shaped', journey(3, 0, 0))).toEqual([0.8, 0.1, 0.1]);
    const w = touchWeights('w_shaped', journey(4, 1, 2));
    [0.3, 0.3, 0.3, 0.1].forEach((value, index) => {
      expect(w[index]).toBeCloseTo(value, 12);
    });
    // W-shaped with 3 positions on 3 touches: the 10% rest goes back, a third each.
    touchWeights('w_shaped', journey(3, 1, 2)).forEach((value) => {
      expect(value).toBeCloseTo(1 / 3, 12);
    });
    const full = touchWeights('full_path', journey(5, 1, 2));
    [0.225, 0.225, 0.225, 0.1, 0.225].forEach((value, index) => {
      expect(full[index]).toBeCloseTo(value, 12);
    });
    // Full path, two touches, lead creation on the first and opportunity creation on the
    // last: 45% + 45%, the rest back in proportion: 50/50.
    touchWeights('full_path', journey(2, 0, 1)).forEach((value) => {
      expect(value).toBeCloseTo(0.5, 12);
    });
    expect(touchWeights('linear', journey(4, 0, 0))).toEqual([0.25, 0.25, 0.25, 0.25]);
    // Time decay: a touch one half-life older weighs half as much.
    const decay = touchWeights('time_decay', journey(2, 0, 0, 7));
    expect(decay[0]).toBeCloseTo(1 / 3, 12);
    expect(decay[1]).toBeCloseTo(2 / 3, 12);
    const slow = touchWeights('time_decay', journey(2, 0, 0, 7), 14);
    expect((slow[1] as number) / (slow[0] as number)).toBeCloseTo(Math.SQRT2, 12);
  });

  it('counts repeated touches on one channel once each', () => {
    const credits = creditByState(['a', 'a', 'b'], touchWeights('linear', journey(3, 0, 0)));
    expect(credits.get('a')).toBeCloseTo(2 / 3, 12);
    expect(credits.get('b')).toBeCloseTo(1 / 3, 12);
  });

  it('places the lead-creation and opportunity-creation touches', () => {
    const times = [10, 20, 20, 30, 40];
    expect(lastIndexAtOrBefore(times, 5)).toBe(-1);
    expect(lastIndexAtOrBefore(times, 20)).toBe(2);
    expect(lastIndexAtOrBefore(times, 99)).toBe(4);
    expect(journeyPositions(times, 25, 35)).toEqual({ leadIndex: 2, opportunityIndex: 3 });
    // No touch before the lead was created: the first touch stands in.
    expect(journeyPositions(times, 1, 35)).toEqual({ leadIndex: 0, opportunityIndex: 3 });
    // The opportunity-creation touch never comes before the lead-creation one.
    expect(journeyPositions(times, 35, 15)).toEqual({ leadIndex: 3, opportunityIndex: 3 });
  });
});

describe('apportionUnits', () => {
  it('splits a whole number of units exactly, each part within one unit of its share', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e12 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 15 }),
        (total, weights) => {
          fc.pre(sum(weights) > 1e-9);
          const parts = apportionUnits(total, weights);
          expect(sum(parts)).toBe(total);
          parts.forEach((part, index) => {
            expect(Number.isInteger(part)).toBe(true);
            expect(Math.abs(part - ((weights[index] as number) / sum(weights)) * total)).toBeLessThanOrEqual(
              1 + total * 1e-12,
            );
          });
        },
      ),
    );
  });
});

/** Conversion probability of a chain with some states removed, by plain Gaussian elimination. */
function conversionProbabilityWithout(counts: MarkovCounts, removed: number | null): number {
  const k = counts.states.length;
  const matrix: number[][] = [];
  const rhs: number[] = [];
  for (let i = 0; i < k; i++) {
    const row = counts.between[i] as number[];
    const out = sum(row) + (counts.toConversion[i] as number) + (counts.toNull[i] as number);
    if (i === removed) {
      matrix.push(Array.from({ length: k }, (_, j) => (j === i ? 1 : 0)));
      rhs.push(0);
      continue;
    }
    matrix.push(row.map((value, j) => (i === j ? 1 : 0) - value / out));
    rhs.push((counts.toConversion[i] as number) / out);
  }
  // Forward elimination with partial pivoting, then back substitution.
  for (let column = 0; column < k; column++) {
    let pivot = column;
    for (let row = column + 1; row < k; row++) {
      if (
        Math.abs((matrix[row] as number[])[column] as number) >
        Math.abs((matrix[pivot] as number[])[column] as number)
      ) {
        pivot = row;
      }
    }
    [matrix[column], matrix[pivot]] = [matrix[pivot] as number[], matrix[column] as number[]];
    [rhs[column], rhs[pivot]] = [rhs[pivot] as number, rhs[column] as number];
    for (let row = column + 1; row < k; row++) {
      const factor =
        ((matrix[row] as number[])[column] as number) / ((matrix[column] as number[])[column] as number);
      for (let j = column; j < k; j++) {
        (matrix[row] as number[])[j] =
          ((matrix[row] as number[])[j] as number) - factor * ((matrix[column] as number[])[j] as number);
      }
      rhs[row] = (rhs[row] as number) - factor * (rhs[column] as number);
    }
  }
  const x = new Array<number>(k).fill(0);
  for (let row = k - 1; row >= 0; row--) {
    let value = rhs[row] as number;
    for (let j = row + 1; j < k; j++) value -= ((matrix[row] as number[])[j] as number) * (x[j] as number);
    x[row] = value / ((matrix[row] as number[])[row] as number);
  }
  const starts = sum(counts.fromStart);
  return counts.fromStart.reduce((total, count, j) => total + (count / starts) * (x[j] as number), 0);
}

const chainArbitrary = fc.array(
  fc.record({
    states: fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { minLength: 1, maxLength: 8 }),
    converted: fc.boolean(),
    count: fc.integer({ min: 1, max: 5 }),
  }),
  { minLength: 1, maxLength: 40 },
);

describe('markov', () => {
  it('matches removal effects worked out by hand', () => {
    // A > B converts, A alone does not, B alone converts: P = 2/3; without A, 1/3; without B, 0.
    const counter = new MarkovCounter();
    counter.addJourney(['A', 'B'], true);
    counter.addJourney(['A'], false);
    counter.addJourney(['B'], true);
    const result = markovRemovalEffects(counter.counts);
    expect(result.conversionProbability).toBeCloseTo(2 / 3, 12);
    expect(result.removalEffects[result.states.indexOf('A')]).toBeCloseTo(0.5, 12);
    expect(result.removalEffects[result.states.indexOf('B')]).toBeCloseTo(1, 12);
    const credits = markovCredits(result, 2);
    expect(credits.get('A')).toBeCloseTo(2 / 3, 12);
    expect(credits.get('B')).toBeCloseTo(4 / 3, 12);
  });

  it('gives the same removal effects as solving each removed chain on its own', () => {
    fc.assert(
      fc.property(chainArbitrary, (journeys) => {
        fc.pre(journeys.some((journey) => journey.converted));
        const counter = new MarkovCounter();
        for (const journey of journeys) counter.addJourney(journey.states, journey.converted, journey.count);
        const result = markovRemovalEffects(counter.counts);
        const base = conversionProbabilityWithout(counter.counts, null);
        expect(result.conversionProbability).toBeCloseTo(base, 10);
        result.states.forEach((_, index) => {
          const expected = 1 - conversionProbabilityWithout(counter.counts, index) / base;
          expect(result.removalEffects[index]).toBeCloseTo(expected, 9);
        });
      }),
    );
  });

  it('scales credits to the conversions, non-negative, whatever the channels are called', () => {
    fc.assert(
      fc.property(chainArbitrary, (journeys) => {
        fc.pre(journeys.some((journey) => journey.converted));
        const conversions = sum(journeys.filter((j) => j.converted).map((j) => j.count));
        const build = (rename: (state: string) => string) => {
          const counter = new MarkovCounter();
          for (const journey of journeys)
            counter.addJourney(journey.states.map(rename), journey.converted, journey.count);
          return markovCredits(markovRemovalEffects(counter.counts), conversions);
        };
        const credits = build((state) => state);
        const renamed = build((state) => `channel ${state.toUpperCase()}`);
        expect(sum(credits.values())).toBeCloseTo(conversions, 9);
        for (const [state, credit] of credits) {
          expect(credit).toBeGreaterThanOrEqual(0);
          expect(renamed.get(`channel ${state.toUpperCase()}`)).toBeCloseTo(credit, 9);
        }
      }),
    );
  });

  it('solves with LU factors of an M-matrix', () => {
    // A = [[4, -1], [-2, 3]]: A^-1 = [[3, 1], [2, 4]] / 10.
    const lu = Float64Array.from([4, -1, -2, 3]);
    luFactor(lu, 2);
    const x = luSolve(lu, 2, [1, 2]);
    expect(x[0]).toBeCloseTo(0.5, 12);
    expect(x[1]).toBeCloseTo(1, 12);
    const y = luSolveTransposed(lu, 2, [1, 2]);
    expect(y[0]).toBeCloseTo(0.7, 12);
    expect(y[1]).toBeCloseTo(0.9, 12);
    const diagonal = luInverseDiagonal(lu, 2);
    expect(diagonal[0]).toBeCloseTo(0.3, 12);
    expect(diagonal[1]).toBeCloseTo(0.4, 12);
  });
});
