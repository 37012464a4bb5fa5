import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { LeadRow } from '../leads/leads.repository.ts';
import * as leadsRepository from '../leads/leads.repository.ts';
import { transitionLockedLead } from '../lifecycle/lifecycle.service.ts';
import { enqueueNotification } from '../notifications/notifications.service.ts';
import { routeLead } from '../routing/routing.service.ts';
import * as repository from './sla.repository.ts';
import { calendarFromRow, policyMatchOf, policyRulesOf } from './sla.service.ts';
import {
  type BusinessCalendar,
  choosePolicy,
  type DueWork,
  dueWork,
  type SlaEventKind,
  type SlaSchedule,
  scheduleFor,
} from './sla.ts';

export interface SlaTickOptions {
  /** Handoffs given a clock per round (rounds repeat until none are left). */
  openBatch?: number;
  /** At most this many clocks are checked in one tick; the rest wait for the next. */
  maxChecks?: number;
}

export interface SlaTickResult {
  opened: number;
  checked: number;
  events: Partial<Record<SlaEventKind, number>>;
}

const TARGET_OF: Partial<Record<SlaEventKind, 'accept' | 'activity' | 'attempts'>> = {
  accept_warning: 'accept',
  accept_breach: 'accept',
  activity_warning: 'activity',
  activity_breach: 'activity',
  attempts_warning: 'attempts',
  attempts_breach: 'attempts',
};

function handoffOf(lead: LeadRow): Date | null {
  if (!lead.mql_at) return null;
  const mql = lead.mql_at.getTime();
  const assigned = lead.assigned_at?.getTime() ?? Number.NEGATIVE_INFINITY;
  return new Date(Math.max(mql, assigned));
}

function scheduleOfClock(clock: repository.ClockRow): SlaSchedule {
  return {
    acceptWarnAt: clock.accept_warn_at,
    acceptDueAt: clock.accept_due_at,
    activityWarnAt: clock.activity_warn_at,
    activityDueAt: clock.activity_due_at,
    attemptsRequired: clock.attempts_required,
    attemptsWarnAt: clock.attempts_warn_at,
    attemptsDueAt: clock.attempts_due_at,
    leakageAt: clock.leakage_at,
  };
}

/**
 * Gives every new handoff its clock: the first matching active policy and the deadlines it
 * sets, computed once. Handoffs no policy covers get an exempt clock so they are not
 * looked at again.
 */
async function openClocks(db: Kysely<DB>, now: Date, batch: number): Promise<number> {
  let opened = 0;
  for (let round = 0; round < 100; round++) {
    const candidates = await repository.findHandoffsWithoutClock(db, now, batch);
    if (candidates.length === 0) break;
    const workspaceIds = [...new Set(candidates.map((candidate) => candidate.workspace_id))];
    const policies = await repository.findActivePolicies(db, workspaceIds);
    const calendars = new Map<number, BusinessCalendar>(
      (
        await repository.findCalendarsByIds(db, [
          ...new Set(policies.map((p) => p.calendar_id).filter((id) => id !== null)),
        ])
      ).map((row) => [row.id, calendarFromRow(row)]),
    );
    const byWorkspace = new Map<
      number,
      { row: repository.PolicyRow; match: ReturnType<typeof policyMatchOf> }[]
    >();
    for (const row of policies) {
      const list = byWorkspace.get(row.workspace_id) ?? [];
      list.push({ row, match: policyMatchOf(row) });
      byWorkspace.set(row.workspace_id, list);
    }
    const clocks: repository.NewClock[] = candidates.map((candidate) => {
      const base = {
        workspace_id: candidate.workspace_id,
        lead_id: candidate.lead_id,
        handoff_at: candidate.handoff_at,
        owner_id: candidate.owner_id,
        created_at: now,
        updated_at: now,
      };
      const policy = choosePolicy(byWorkspace.get(candidate.workspace_id) ?? [], candidate);
      // A policy applies to handoffs from its creation on.
      if (!policy || candidate.handoff_at < policy.row.created_at) {
        return { ...base, policy_id: policy?.row.id ?? null, status: 'exempt', next_check_at: null };
      }
      const rules = policyRulesOf(policy.row);
      const calendar =
        policy.row.calendar_id === null ? null : (calendars.get(policy.row.calendar_id) ?? null);
      const schedule = scheduleFor(candidate.handoff_at, rules, calendar);
      return {
        ...base,
        policy_id: policy.row.id,
        status: 'open',
        escalate: rules.escalate,
        breach_action: rules.breachAction,
        action_delay_minutes: rules.actionDelayMinutes,
        accept_warn_at: schedule.acceptWarnAt,
        accept_due_at: schedule.acceptDueAt,
        activity_warn_at: schedule.activityWarnAt,
        activity_due_at: schedule.activityDueAt,
        attempts_required: schedule.attemptsRequired,
        attempts_warn_at: schedule.attemptsWarnAt,
        attempts_due_at: schedule.attemptsDueAt,
        leakage_at: schedule.leakageAt,
        next_check_at: now,
      };
    });
    opened += await repository.insertClocks(db, clocks);
    if (candidates.length < batch) break;
  }
  return opened;
}

interface Counters {
  events: Partial<Record<SlaEventKind, number>>;
}

/** Checks one claimed clock inside its transaction: records what is due and acts on it. */
async function checkClock(
  trx: Kysely<DB>,
  clock: repository.ClockRow,
  now: Date,
  counters: Counters,
): Promise<void> {
  const lead = await leadsRepository.getLeadForUpdate(trx, clock.workspace_id, clock.lead_id);
  const handoff = lead ? handoffOf(lead) : null;
  const stillCurrent =
    lead !== undefined &&
    handoff !== null &&
    handoff.getTime() === clock.handoff_at.getTime() &&
    lead.owner_id === clock.owner_id &&
    (lead.stage === 'mql' || lead.stage === 'sal');
  if (!lead || !stillCurrent) {
    // Reassigned, accepted and moved on, rejected or recycled: this handoff is over.
    await repository.updateClock(trx, clock.id, {
      status: 'superseded',
      next_check_at: null,
      updated_at: now,
    });
    return;
  }

  const facts = await repository.activityFacts(
    trx,
    clock.workspace_id,
    lead.id,
    clock.handoff_at,
    now,
    clock.attempts_due_at,
  );
  const acceptedAt =
    lead.stage === 'sal'
      ? new Date(Math.max(lead.sal_at?.getTime() ?? clock.handoff_at.getTime(), clock.handoff_at.getTime()))
      : null;
  const recorded = new Set(
    await repository.recordedKinds(trx, clock.workspace_id, lead.id, clock.handoff_at),
  );
  const work: DueWork = dueWork(
    scheduleOfClock(clock),
    {
      escalate: clock.escalate,
      breachAction: clock.breach_action,
      actionDelayMinutes: clock.action_delay_minutes,
    },
    {
      now,
      handoffAt: clock.handoff_at,
      acceptedAt,
      firstActivityAt: facts.first_activity_at,
      attempts: facts.attempts,
      recorded,
    },
  );

  const ownerId = clock.owner_id;
  const handoffIso = clock.handoff_at.toISOString();
  const keyOf = (kind: SlaEventKind) => `sla:${lead.id}:${handoffIso}:${kind}`;
  const breachedTargets = [...recorded, ...work.kinds.map((entry) => entry.kind)]
    .filter((kind) => kind.endsWith('_breach'))
    .map((kind) => TARGET_OF[kind]);
  let handedOver = false;

  for (const { kind, deadline } of work.kinds) {
    const details: Record<string, unknown> = {};
    // Reads that shape the event go before it; actions go after it, and only if it is new.
    const manager =
      kind === 'escalation' && ownerId !== null
        ? await repository.findManagerOf(trx, clock.workspace_id, ownerId)
        : undefined;
    if (kind === 'escalation') details.manager_id = manager?.id ?? null;
    const event = await repository.insertSlaEvent(trx, {
      workspace_id: clock.workspace_id,
      clock_id: clock.id,
      lead_id: lead.id,
      handoff_at: clock.handoff_at,
      kind,
      owner_id: ownerId,
      deadline_at: deadline,
      occurred_at: now,
      details: JSON.stringify(details),
    });
    // Recorded already (by another instance between our read and our insert): not ours to act on.
    if (!event) continue;
    counters.events[kind] = (counters.events[kind] ?? 0) + 1;
    const common = {
      workspaceId: clock.workspace_id,
      leadId: lead.id,
      idempotencyKey: keyOf(kind),
      at: now,
    };
    const target = TARGET_OF[kind];
    if (kind.endsWith('_warning')) {
      await enqueueNotification(trx, {
        ...common,
        event: 'sla.warning',
        recipientUserId: ownerId,
        payload: {
          target,
          deadline_at: deadline.toISOString(),
          owner_user_id: ownerId,
          handoff_at: handoffIso,
          policy_id: clock.policy_id,
        },
      });
    } else if (kind.endsWith('_breach')) {
      await enqueueNotification(trx, {
        ...common,
        event: 'sla.breached',
        recipientUserId: ownerId,
        payload: {
          target,
          deadline_at: deadline.toISOString(),
          owner_user_id: ownerId,
          handoff_at: handoffIso,
          policy_id: clock.policy_id,
          escalation: false,
        },
      });
    } else if (kind === 'escalation') {
      await enqueueNotification(trx, {
        ...common,
        event: 'sla.breached',
        recipientUserId: manager?.id ?? null,
        payload: {
          target: breachedTargets[0] ?? null,
          breached: breachedTargets,
          deadline_at: deadline.toISOString(),
          owner_user_id: ownerId,
          manager_user_id: manager?.id ?? null,
          handoff_at: handoffIso,
          policy_id: clock.policy_id,
          escalation: true,
        },
      });
    } else if (kind === 'reassignment') {
      const routed = await routeLead(trx, clock.workspace_id, lead.id, {
        now,
        excludeUserIds: ownerId === null ? [] : [ownerId],
        reason: `SLA breached (${breachedTargets.join(', ')}) by user ${ownerId}`,
      });
      details.new_owner_id = routed?.lead.owner_id ?? null;
      if (!routed) details.note = 'no other rep was available; the lead stays with its owner';
      handedOver = routed !== null;
    } else if (kind === 'recycle') {
      const reason = `SLA breached (${breachedTargets.join(', ')}); returned to marketing`;
      await transitionLockedLead(trx, lead, {
        to: 'recycled',
        at: now,
        actorId: null,
        origin: 'system',
        reason,
        patch: { owner_id: null },
      });
      await enqueueNotification(trx, {
        ...common,
        event: 'lead.recycled',
        recipientUserId: null,
        payload: { reason, previous_owner_user_id: ownerId, handoff_at: handoffIso },
      });
      handedOver = true;
    }
    if (kind === 'reassignment') {
      await trx
        .updateTable('sla_events')
        .set({ details: JSON.stringify(details) })
        .where('id', '=', event.id)
        .execute();
    }
  }

  if (handedOver) {
    await repository.updateClock(trx, clock.id, { status: 'closed', next_check_at: null, updated_at: now });
  } else {
    await repository.updateClock(trx, clock.id, {
      status: work.nextCheckAt ? 'open' : 'closed',
      next_check_at: work.nextCheckAt,
      updated_at: now,
    });
  }
}

/**
 * One pass of breach detection at `now`: opens clocks for new handoffs, then checks every
 * due clock, each in its own transaction. Any number of app instances may run this at the
 * same time: a clock is claimed with `for update skip locked`, and every warning, breach,
 * escalation, reassignment and recycling is an sla_events row unique per lead, handoff and
 * kind, written in the same transaction as the action it stands for.
 */
export async function runSlaTick(
  db: Kysely<DB>,
  now: Date,
  options: SlaTickOptions = {},
): Promise<SlaTickResult> {
  const opened = await openClocks(db, now, options.openBatch ?? 500);
  const counters: Counters = { events: {} };
  const maxChecks = options.maxChecks ?? 2000;
  let checked = 0;
  while (checked < maxChecks) {
    const clock = await db.transaction().execute(async (trx) => {
      const claimed = await repository.claimDueClock(trx, now);
      if (claimed) await checkClock(trx, claimed, now, counters);
      return claimed;
    });
    if (!clock) break;
    checked += 1;
  }
  return { opened, checked, events: counters.events };
}
