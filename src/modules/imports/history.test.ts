import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LifecycleStage } from '../../db/tables/foundation.ts';
import {
  ALL_STAGES,
  checkTransition,
  currentStageFromHistory,
  FUNNEL_STAGES,
} from '../lifecycle/lifecycle.ts';
import {
  type HistoryPlan,
  type HistoryProblem,
  isHistoryProblem,
  planExistingLeadHistory,
  planNewLeadHistory,
  type StageTimes,
} from './history.ts';

const day = (n: number) => Date.UTC(2026, 0, n);
const NOW = day(100);

function plan(value: HistoryPlan | HistoryProblem): HistoryPlan {
  if (isHistoryProblem(value)) throw new Error(`unexpected problem: ${value.field}: ${value.message}`);
  return value;
}

function asDates(stamps: StageTimes): Partial<Record<LifecycleStage, Date>> {
  const dates: Partial<Record<LifecycleStage, Date>> = {};
  for (const [stage, at] of Object.entries(stamps) as [LifecycleStage, number][]) dates[stage] = new Date(at);
  return dates;
}

/** Every event starts where the previous one ended and is a move the state machine allows. */
function expectValidChain(result: HistoryPlan, start: LifecycleStage | null) {
  let current = start;
  for (const event of result.events) {
    expect(event.from).toBe(current);
    if (event.from !== null) expect(checkTransition(event.from, event.to).allowed).toBe(true);
    current = event.to;
  }
  expect(current ?? result.stage).toBe(result.stage);
}

describe('planNewLeadHistory', () => {
  it('starts a lead that only has mql_at in mql, as POST /leads with stage mql does', () => {
    const result = plan(planNewLeadHistory({ history: { mql: day(5) }, now: NOW }));
    expect(result.stage).toBe('mql');
    expect(result.stamps).toEqual({ lead: day(5), mql: day(5) });
    expect(result.events).toEqual([{ from: null, to: 'mql', at: day(5), kind: 'history' }]);
  });

  it('replays dated stages in time order and stamps skipped stages with the later moment', () => {
    const result = plan(
      planNewLeadHistory({ history: { lead: day(1), mql: day(3), sql: day(9) }, now: NOW }),
    );
    expect(result.stage).toBe('sql');
    expect(result.stamps).toEqual({ lead: day(1), mql: day(3), sal: day(9), sql: day(9) });
    expect(result.events.map((event) => `${event.from}>${event.to}`)).toEqual([
      'null>lead',
      'lead>mql',
      'mql>sql',
    ]);
  });

  it('folds stages reached at the same moment into one move', () => {
    const result = plan(
      planNewLeadHistory({ history: { lead: day(2), mql: day(2), sal: day(2) }, now: NOW }),
    );
    expect(result.events).toEqual([{ from: null, to: 'sal', at: day(2), kind: 'history' }]);
  });

  it('uses the stage column alone at created_at, and without anything starts a lead now', () => {
    const staged = plan(planNewLeadHistory({ stage: 'sql', history: {}, createdAt: day(4), now: NOW }));
    expect(staged.stamps).toEqual({ lead: day(4), mql: day(4), sal: day(4), sql: day(4) });
    expect(staged.events).toEqual([{ from: null, to: 'sql', at: day(4), kind: 'stage' }]);
    const bare = plan(planNewLeadHistory({ history: {}, now: NOW }));
    expect(bare).toEqual({
      stage: 'lead',
      stamps: { lead: NOW },
      events: [{ from: null, to: 'lead', at: NOW, kind: 'stage' }],
    });
  });

  it('moves past the history to a later stage column at the last known moment', () => {
    const result = plan(
      planNewLeadHistory({ stage: 'customer', history: { lead: day(1), mql: day(3) }, now: NOW }),
    );
    expect(result.stage).toBe('customer');
    expect(result.stamps.customer).toBe(day(3));
    expect(result.stamps.opportunity).toBe(day(3));
  });

  it('refuses a stage column that contradicts the history', () => {
    const result = planNewLeadHistory({ stage: 'mql', history: { lead: day(1), sql: day(5) }, now: NOW });
    expect(isHistoryProblem(result) && result.field).toBe('stage');
    expect(isHistoryProblem(result) && result.message).toContain('ends in sql');
  });

  it('refuses a history the state machine cannot produce, naming both stages', () => {
    const backwards = planNewLeadHistory({ history: { lead: day(5), mql: day(2) }, now: NOW });
    expect(isHistoryProblem(backwards) && backwards.field).toBe('lead_at');
    expect(isHistoryProblem(backwards) && backwards.message).toBe(
      'lead_at (2026-01-05T00:00:00.000Z) is after mql_at (2026-01-02T00:00:00.000Z); a lead passes lead on its way to mql',
    );
    const afterDisqualified = planNewLeadHistory({
      history: { lead: day(1), disqualified: day(2), sql: day(3) },
      now: NOW,
    });
    expect(isHistoryProblem(afterDisqualified) && afterDisqualified.message).toContain(
      'cannot go from disqualified (disqualified_at 2026-01-02T00:00:00.000Z) to sql',
    );
  });

  it('routes a move from recycled to a later stage through mql', () => {
    const result = plan(
      planNewLeadHistory({ history: { lead: day(1), mql: day(2), recycled: day(5), sql: day(6) }, now: NOW }),
    );
    expect(result.stage).toBe('sql');
    expect(result.events.map((event) => `${event.from}>${event.to}:${event.kind}`)).toEqual([
      'null>lead:history',
      'lead>mql:history',
      'mql>recycled:history',
      'recycled>mql:re-entry',
      'mql>sql:history',
    ]);
    expect(result.stamps.sal).toBe(day(6));
  });

  it('takes a recycled lead that came back (stage lead after recycled_at)', () => {
    const result = plan(
      planNewLeadHistory({
        stage: 'lead',
        history: { lead: day(1), mql: day(2), recycled: day(5) },
        now: NOW,
      }),
    );
    expect(result.stage).toBe('lead');
    expect(result.events.at(-1)).toEqual({ from: 'recycled', to: 'lead', at: day(5), kind: 'stage' });
  });

  const stage = fc.constantFrom<LifecycleStage>(...ALL_STAGES);
  const history = fc.dictionary(stage, fc.integer({ min: 1, max: 30 }).map(day), {
    maxKeys: 6,
  }) as fc.Arbitrary<StageTimes>;

  it('when it accepts a history, ends where currentStageFromHistory says, through allowed moves (property)', () => {
    fc.assert(
      fc.property(history, (input) => {
        const result = planNewLeadHistory({ history: input, now: NOW });
        if (isHistoryProblem(result)) return;
        expectValidChain(result, null);
        for (const [name, at] of Object.entries(input))
          expect(result.stamps[name as LifecycleStage]).toBe(at);
        if (Object.keys(input).length > 0) {
          expect(result.stage).toBe(currentStageFromHistory(asDates(result.stamps)));
        }
        // Every funnel stage before the furthest one reached (from lead on) is stamped.
        const reached = FUNNEL_STAGES.filter((name) => result.stamps[name] !== undefined);
        const furthest = FUNNEL_STAGES.indexOf(reached[reached.length - 1] as never);
        for (const name of FUNNEL_STAGES.slice(1, Math.max(1, furthest)))
          expect(result.stamps[name]).toBeDefined();
      }),
    );
  });

  it('accepts every history that is a walk of allowed moves forward in time (property)', () => {
    // A walk through the machine with increasing moments, stamped the way the lifecycle
    // service does it: a lead created into a stage has been a lead since then; a move stamps
    // the stages it passes; a stage already reached keeps its first moment.
    const walk = fc.array(stage, { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(walk, (targets) => {
        const stamps: StageTimes = {};
        let current: LifecycleStage | null = null;
        let moment = 1;
        for (const target of targets) {
          const at = day(moment++);
          if (current === null) {
            const index = FUNNEL_STAGES.indexOf(target as never);
            const passed =
              index >= 1
                ? FUNNEL_STAGES.slice(1, index + 1)
                : index === 0
                  ? ['subscriber']
                  : ['lead', target];
            for (const name of passed) stamps[name as LifecycleStage] = at;
            current = target;
            continue;
          }
          const check = checkTransition(current, target);
          if (!check.allowed) continue;
          for (const name of [...check.passedThrough, target]) stamps[name] ??= at;
          current = target;
        }
        // The importer wants first-reached moments in funnel order. The lifecycle service can
        // break it only by returning a recycled lead to mql before it ever had lead_at, then
        // to lead: such walks are left out.
        const funnel = FUNNEL_STAGES.map((name) => stamps[name]).filter((at) => at !== undefined);
        fc.pre(funnel.every((at, index) => index === 0 || (funnel[index - 1] as number) <= at));
        const result = planNewLeadHistory({ history: stamps, now: NOW });
        expect(isHistoryProblem(result)).toBe(false);
      }),
    );
  });
});

describe('planExistingLeadHistory', () => {
  const lead = { stage: 'mql' as LifecycleStage, stamps: { lead: day(1), mql: day(2) } };

  it('adds nothing when the file says what the lead already has (re-import)', () => {
    const result = plan(
      planExistingLeadHistory(lead, { stage: 'mql', history: { lead: day(1), mql: day(2) }, now: NOW }),
    );
    expect(result).toEqual({ stage: 'mql', stamps: {}, events: [] });
  });

  it('keeps the first moment a stage was reached', () => {
    const result = plan(planExistingLeadHistory(lead, { history: { mql: day(9) }, now: NOW }));
    expect(result.stamps).toEqual({});
    expect(result.events).toEqual([]);
  });

  it('moves the lead forward from where it is, stamping passed stages', () => {
    const result = plan(planExistingLeadHistory(lead, { history: { customer: day(20) }, now: NOW }));
    expect(result.stage).toBe('customer');
    expect(result.events).toEqual([{ from: 'mql', to: 'customer', at: day(20), kind: 'history' }]);
    expect(result.stamps).toEqual({ sal: day(20), sql: day(20), opportunity: day(20), customer: day(20) });
  });

  it('leaves the stage alone when the file is behind the lead', () => {
    const ahead = {
      stage: 'sql' as LifecycleStage,
      stamps: { lead: day(1), mql: day(2), sal: day(3), sql: day(4) },
    };
    const result = plan(planExistingLeadHistory(ahead, { stage: 'mql', history: {}, now: NOW }));
    expect(result).toEqual({ stage: 'sql', stamps: {}, events: [] });
  });

  it('fills an earlier stage the lead skipped without an event', () => {
    const result = plan(planExistingLeadHistory(lead, { history: { subscriber: day(0) }, now: NOW }));
    expect(result.events).toEqual([]);
    expect(result.stamps).toEqual({ subscriber: day(0) });
  });

  it('refuses a move the machine forbids', () => {
    const customer = { stage: 'customer' as LifecycleStage, stamps: { lead: day(1), customer: day(3) } };
    const result = planExistingLeadHistory(customer, { history: { disqualified: day(5) }, now: NOW });
    expect(isHistoryProblem(result) && result.message).toContain('from customer');
  });

  it('is idempotent: replaying the same file adds no event (property)', () => {
    const stage = fc.constantFrom<LifecycleStage>(...ALL_STAGES);
    const history = fc.dictionary(stage, fc.integer({ min: 1, max: 30 }).map(day), {
      maxKeys: 6,
    }) as fc.Arbitrary<StageTimes>;
    fc.assert(
      fc.property(history, fc.option(stage, { nil: undefined }), (input, target) => {
        const first = planNewLeadHistory({ stage: target, history: input, now: NOW });
        if (isHistoryProblem(first)) return;
        const again = planExistingLeadHistory(
          { stage: first.stage, stamps: first.stamps },
          { stage: target, history: input, now: NOW },
        );
        expect(isHistoryProblem(again)).toBe(false);
        if (!isHistoryProblem(again)) {
          expect(again.events).toEqual([]);
          expect(again.stage).toBe(first.stage);
        }
      }),
    );
  });
});
