import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, type FieldIssue, validationError } from '../../shared/errors.ts';
import { type Caller, requireRole } from '../auth/auth.ts';
import type { LeadRow } from '../leads/leads.repository.ts';
import * as leadsRepository from '../leads/leads.repository.ts';
import { enqueueNotification } from '../notifications/notifications.service.ts';
import { conditionIssues, type ScoringSubject } from '../scoring/scoring.ts';
import type { LeadAssignmentRow } from './routing.repository.ts';
import * as repository from './routing.repository.ts';
import type { RoutingRuleInput } from './routing.schemas.ts';
import {
  chooseSlot,
  emailDomain,
  matchingRules,
  type RoutingRule,
  unavailableReason,
  weightedSequence,
  weightOf,
} from './routing.ts';

export interface RouteOptions {
  now: Date;
  /** Users who must not get the lead, e.g. the current owner when reassigning after an SLA breach. */
  excludeUserIds?: readonly number[] | undefined;
  /** Why the lead is being routed ("reached MQL", "SLA breached"); stored with the assignment. */
  reason: string;
}

export interface RouteResult {
  lead: LeadRow;
  assignment: LeadAssignmentRow;
}

interface Pick {
  userId: number | null;
  teamId: number | null;
  /** How the user was found, or why nobody was. */
  how: string;
}

export interface RoutingChoice {
  rule: RoutingRule;
  userId: number;
  teamId: number | null;
  /** Why this user: the caller's reason, the rule and how it found the user, rules passed over. */
  reason: string;
}

function availability(
  user: repository.MemberAvailability | undefined,
  excluded: ReadonlySet<number>,
): string | null {
  if (!user) return 'no longer exists';
  if (excluded.has(user.id)) return 'excluded';
  return unavailableReason(user);
}

interface TeamState {
  position: number;
  members: Map<number, repository.MemberAvailability>;
  moved: boolean;
}

/**
 * Routing for one transaction, one lead or many (a batch of leads becoming MQL). The first
 * time a round robin is needed it locks the cursors of every team the rules route to, in
 * team id order (so two batches cannot deadlock), and reads those teams' reps once; picks
 * then happen in memory, counting each new assignment against capacity, and flush() writes
 * the cursors that moved. Member counts are read after the cursor locks, so assignments
 * committed by a concurrent router of the same team are already in them.
 */
export class RoutingSession {
  private rules: readonly RoutingRule[] | undefined;
  private teams: Map<number, TeamState> | undefined;

  constructor(
    private readonly trx: Kysely<DB>,
    private readonly workspaceId: number,
    rules?: readonly RoutingRule[],
  ) {
    this.rules = rules;
  }

  private async loadRules(): Promise<readonly RoutingRule[]> {
    this.rules ??= await repository.findRules(this.trx, this.workspaceId);
    return this.rules;
  }

  private async team(teamId: number): Promise<TeamState> {
    if (!this.teams) {
      const teamIds = [
        ...new Set(
          (await this.loadRules())
            .filter((rule) => rule.active && rule.kind === 'match' && rule.team_id !== null)
            .map((rule) => rule.team_id as number),
        ),
      ].sort((a, b) => a - b);
      this.teams = new Map();
      for (const id of teamIds) {
        const position = await repository.lockCursor(this.trx, this.workspaceId, id);
        this.teams.set(id, { position, members: new Map(), moved: false });
      }
      const members = await repository.findTeamMembers(this.trx, this.workspaceId, teamIds);
      for (const member of members) this.teams.get(member.team_id)?.members.set(member.id, member);
    }
    const state = this.teams.get(teamId);
    if (!state) throw new Error(`Team ${teamId} is not routed to by an active rule`);
    return state;
  }

  /** Availability of one user, from the session's team state when the user is a cached rep. */
  private async user(userId: number): Promise<repository.MemberAvailability | undefined> {
    for (const state of this.teams?.values() ?? []) {
      const member = state.members.get(userId);
      if (member) return member;
    }
    return repository.getUserAvailability(this.trx, this.workspaceId, userId);
  }

  private async pick(rule: RoutingRule, lead: LeadRow, excluded: ReadonlySet<number>): Promise<Pick> {
    if (rule.kind === 'account_owner') {
      const account = await repository.findOwnedAccount(
        this.trx,
        this.workspaceId,
        lead,
        emailDomain(lead.email),
      );
      if (!account) return { userId: null, teamId: null, how: 'no account with an owner matches the lead' };
      const reason = availability(await this.user(account.owner_id), excluded);
      const by = { account: 'linked account', email_domain: 'email domain', company: 'company name' }[
        account.matched_by
      ];
      if (reason)
        return {
          userId: null,
          teamId: null,
          how: `owner ${account.owner_id} of account ${account.id} is ${reason}`,
        };
      return {
        userId: account.owner_id,
        teamId: null,
        how: `owner of account ${account.id} "${account.name}" (matched by ${by})`,
      };
    }
    if (rule.user_id !== null) {
      const reason = availability(await this.user(rule.user_id), excluded);
      if (reason) return { userId: null, teamId: null, how: `user ${rule.user_id} is ${reason}` };
      return { userId: rule.user_id, teamId: null, how: `assigned to user ${rule.user_id}` };
    }
    if (rule.team_id === null) return { userId: null, teamId: null, how: 'the rule names no team or user' };
    const state = await this.team(rule.team_id);
    const reps = [...state.members.values()].sort((a, b) => a.id - b.id);
    const sequence = weightedSequence(
      reps.map((rep) => ({ user_id: rep.id, weight: weightOf(rule, rep.id) })),
    );
    const choice = chooseSlot(sequence, state.position, (userId) =>
      availability(state.members.get(userId), excluded),
    );
    if (!choice) {
      return {
        userId: null,
        teamId: rule.team_id,
        how:
          sequence.length === 0
            ? `team ${rule.team_id} has no reps with weight above 0`
            : `nobody in team ${rule.team_id} is available`,
      };
    }
    state.position = choice.next_position;
    state.moved = true;
    const skipped = choice.skipped.map((skip) => `user ${skip.user_id} (${skip.reason})`).join(', ');
    return {
      userId: choice.user_id,
      teamId: rule.team_id,
      how: `round robin in team ${rule.team_id}${skipped ? `, skipped ${skipped}` : ''}`,
    };
  }

  /**
   * Who gets a lead the caller has locked: the first active rule (in order) whose conditions
   * match and that yields an available user decides; null when none does. The caller writes
   * the owner; the pick already counts against the user's capacity in this session.
   */
  async choose(lead: LeadRow, options: RouteOptions): Promise<RoutingChoice | null> {
    const rules = await this.loadRules();
    // The account is read only when a rule's conditions look at it.
    const needsAccount =
      lead.account_id !== null &&
      rules.some(
        (rule) => rule.active && rule.conditions.some((condition) => condition.field.startsWith('account.')),
      );
    const account = needsAccount
      ? await repository.getAccount(this.trx, this.workspaceId, lead.account_id as number)
      : undefined;
    const subject: ScoringSubject = {
      lead: lead as unknown as Record<string, unknown>,
      account: (account as unknown as Record<string, unknown> | undefined) ?? null,
    };
    const excluded = new Set(options.excludeUserIds ?? []);
    const passed: string[] = [];
    for (const rule of matchingRules(rules, subject)) {
      const pick = await this.pick(rule, lead, excluded);
      if (pick.userId === null) {
        passed.push(`rule "${rule.name}": ${pick.how}`);
        continue;
      }
      const userId = pick.userId;
      for (const state of this.teams?.values() ?? []) {
        const member = state.members.get(userId);
        if (member) member.open_leads += 1;
      }
      return {
        rule,
        userId,
        teamId: pick.teamId,
        reason: [
          options.reason,
          `rule "${rule.name}": ${pick.how}`,
          ...passed.map((p) => `passed ${p}`),
        ].join('; '),
      };
    }
    return null;
  }

  /** Writes the round-robin positions that moved. */
  async flush(): Promise<void> {
    for (const [teamId, state] of this.teams ?? []) {
      if (!state.moved) continue;
      await repository.setCursor(this.trx, this.workspaceId, teamId, state.position);
      state.moved = false;
    }
  }
}

export interface AssignmentToRecord {
  /** The lead before its owner changed, and after. */
  before: LeadRow;
  after: LeadRow;
  choice: RoutingChoice;
}

/**
 * Records assignments whose owners are already written to the leads: the lead_assignments
 * rows in one statement, and one "lead assigned" notification each, in the caller's
 * transaction.
 */
export async function recordAssignments(
  trx: Kysely<DB>,
  workspaceId: number,
  entries: readonly AssignmentToRecord[],
  now: Date,
): Promise<LeadAssignmentRow[]> {
  const rows = await repository.insertAssignments(
    trx,
    entries.map(({ before, after, choice }) => ({
      workspace_id: workspaceId,
      lead_id: after.id,
      user_id: choice.userId,
      previous_owner_id: before.owner_id,
      rule_id: choice.rule.id,
      rule_name: choice.rule.name,
      team_id: choice.teamId,
      reason: choice.reason,
      assigned_at: now,
    })),
  );
  for (const [index, { before, after, choice }] of entries.entries()) {
    const assignment = rows[index] as LeadAssignmentRow;
    await enqueueNotification(trx, {
      workspaceId,
      event: 'lead.assigned',
      leadId: after.id,
      recipientUserId: choice.userId,
      idempotencyKey: `lead.assigned:${assignment.id}`,
      at: now,
      payload: {
        lead: {
          id: after.id,
          email: after.email,
          first_name: after.first_name,
          last_name: after.last_name,
          company: after.company,
          title: after.title,
          stage: after.stage,
          score: after.score,
          temperature: after.temperature,
        },
        assigned_to: choice.userId,
        previous_owner_id: before.owner_id,
        rule: { id: choice.rule.id, name: choice.rule.name },
        reason: choice.reason,
        assigned_at: now.toISOString(),
      },
    });
  }
  return rows;
}

/**
 * Routes a lead: picks the user by the ordered rules, sets owner_id and assigned_at,
 * records the assignment (who, which rule, why, previous owner) and queues a "lead
 * assigned" notification, all in the caller's transaction. Returns null when no rule yields
 * anyone (the lead keeps its owner). The SLA worker reassigns with excludeUserIds.
 */
export async function routeLead(
  trx: Kysely<DB>,
  workspaceId: number,
  leadId: number,
  options: RouteOptions,
): Promise<RouteResult | null> {
  const lead = await leadsRepository.getLeadForUpdate(trx, workspaceId, leadId);
  if (!lead) throw new AppError('LEAD_NOT_FOUND', `Lead ${leadId} does not exist`);
  const session = new RoutingSession(trx, workspaceId);
  const choice = await session.choose(lead, options);
  if (!choice) return null;
  await session.flush();
  const updated = await leadsRepository.updateLead(trx, workspaceId, lead.id, {
    owner_id: choice.userId,
    assigned_at: options.now,
  });
  const [assignment] = await recordAssignments(
    trx,
    workspaceId,
    [{ before: lead, after: updated, choice }],
    options.now,
  );
  return { lead: updated, assignment: assignment as LeadAssignmentRow };
}

export async function getRules(db: Kysely<DB>, caller: Caller): Promise<RoutingRule[]> {
  return repository.findRules(db, caller.workspaceId);
}

/** Replaces the ordered rule list (admins). Rules keep their ids when sent back with them. */
export async function saveRules(
  db: Kysely<DB>,
  caller: Caller,
  rules: RoutingRuleInput[],
): Promise<RoutingRule[]> {
  requireRole(caller, ['admin'], 'change routing rules');
  return db.transaction().execute(async (trx) => {
    const issues: FieldIssue[] = [];
    const known = await repository.existingRuleIds(trx, caller.workspaceId);
    const teams = await repository.teamExists(
      trx,
      caller.workspaceId,
      rules.map((rule) => rule.team_id).filter((id): id is number => typeof id === 'number'),
    );
    const users = await repository.usersExist(trx, caller.workspaceId, [
      ...rules.map((rule) => rule.user_id).filter((id): id is number => typeof id === 'number'),
      ...rules.flatMap((rule) => rule.weights.map((weight) => weight.user_id)),
    ]);
    const seenIds = new Set<number>();
    rules.forEach((rule, index) => {
      const path = `rules.${index}`;
      if (rule.id !== undefined) {
        if (!known.has(rule.id))
          issues.push({ path: `${path}.id`, message: `no routing rule with id ${rule.id}` });
        else if (seenIds.has(rule.id))
          issues.push({ path: `${path}.id`, message: `rule ${rule.id} is listed twice` });
        seenIds.add(rule.id);
      }
      rule.conditions.forEach((condition, c) => {
        issues.push(...conditionIssues(condition, `${path}.conditions.${c}`));
      });
      const team = rule.team_id ?? null;
      const user = rule.user_id ?? null;
      if (rule.kind === 'match' && (team === null) === (user === null)) {
        issues.push({
          path: `${path}.team_id`,
          message: 'a match rule routes to exactly one of team_id or user_id',
        });
      }
      if (rule.kind === 'account_owner' && (team !== null || user !== null)) {
        issues.push({
          path: `${path}.team_id`,
          message: 'an account_owner rule routes to the account owner; leave team_id and user_id out',
        });
      }
      if (team !== null && !teams.has(team))
        issues.push({ path: `${path}.team_id`, message: `no team with id ${team}` });
      if (user !== null && !users.has(user))
        issues.push({ path: `${path}.user_id`, message: `no user with id ${user}` });
      if (rule.weights.length > 0 && team === null) {
        issues.push({ path: `${path}.weights`, message: 'weights apply to round robin within a team' });
      }
      rule.weights.forEach((weight, w) => {
        if (!users.has(weight.user_id))
          issues.push({ path: `${path}.weights.${w}.user_id`, message: `no user with id ${weight.user_id}` });
      });
    });
    if (issues.length) throw validationError(issues);
    await repository.replaceRules(
      trx,
      caller.workspaceId,
      rules.map((rule, index) => ({
        id: rule.id,
        position: index,
        name: rule.name,
        kind: rule.kind,
        conditions: rule.conditions,
        team_id: rule.team_id ?? null,
        user_id: rule.user_id ?? null,
        weights: Object.fromEntries(rule.weights.map((weight) => [String(weight.user_id), weight.weight])),
        active: rule.active,
      })),
      new Date(),
    );
    return repository.findRules(trx, caller.workspaceId);
  });
}

export async function findAssignments(
  db: Kysely<DB>,
  caller: Caller,
  leadId: number,
): Promise<LeadAssignmentRow[]> {
  const lead = await leadsRepository.getLead(db, caller.workspaceId, leadId);
  if (!lead) throw new AppError('LEAD_NOT_FOUND', `Lead ${leadId} does not exist`);
  return repository.findAssignments(db, caller.workspaceId, leadId);
}
