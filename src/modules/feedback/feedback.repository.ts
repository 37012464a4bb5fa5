import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type {
  InsightsTable,
  InsightType,
  LeadFeedbackTable,
  RejectionReasonsTable,
} from '../../db/tables/handoff-sla.ts';
import { AppError, isUniqueViolation } from '../../shared/errors.ts';
import type { CursorPosition } from '../../shared/pagination.ts';

export type ReasonRow = Selectable<RejectionReasonsTable>;
export type FeedbackRow = Selectable<LeadFeedbackTable>;
export type InsightRow = Selectable<InsightsTable>;

// ----- rejection reasons ------------------------------------------------------------------

export async function findReasons(
  db: Kysely<DB>,
  workspaceId: number,
  includeInactive: boolean,
): Promise<ReasonRow[]> {
  let query = db.selectFrom('rejection_reasons').selectAll().where('workspace_id', '=', workspaceId);
  if (!includeInactive) query = query.where('active', '=', true);
  return query.orderBy('position').orderBy('code').execute();
}

export async function getReasonByCode(
  db: Kysely<DB>,
  workspaceId: number,
  code: string,
): Promise<ReasonRow | undefined> {
  return db
    .selectFrom('rejection_reasons')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('code', '=', code)
    .executeTakeFirst();
}

export async function insertReason(
  db: Kysely<DB>,
  row: Insertable<RejectionReasonsTable>,
): Promise<ReasonRow> {
  try {
    return await db.insertInto('rejection_reasons').values(row).returningAll().executeTakeFirstOrThrow();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError('ALREADY_EXISTS', `A rejection reason with code "${row.code}" already exists`, {
        issues: [{ path: 'code', message: 'already used by another reason' }],
      });
    }
    throw error;
  }
}

export async function updateReason(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
  patch: Updateable<RejectionReasonsTable>,
): Promise<ReasonRow | undefined> {
  return db
    .updateTable('rejection_reasons')
    .set(patch)
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

// ----- decisions ----------------------------------------------------------------------------

export async function insertFeedback(
  db: Kysely<DB>,
  row: Insertable<LeadFeedbackTable>,
): Promise<FeedbackRow> {
  return db.insertInto('lead_feedback').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function campaignOwnerOf(
  db: Kysely<DB>,
  workspaceId: number,
  campaignId: number | null,
): Promise<number | null> {
  if (campaignId === null) return null;
  const row = await db
    .selectFrom('campaigns')
    .select('owner_id')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', campaignId)
    .executeTakeFirst();
  return row?.owner_id ?? null;
}

export interface QualityRow {
  is_total: number;
  source: string | null;
  campaign_id: number | null;
  campaign_name: string | null;
  decision: 'accepted' | 'rejected';
  reason_code: string | null;
  count: number;
}

/**
 * Decisions in the window counted per group, decision and reason, plus the same counts
 * over all groups (grouping sets), in one statement.
 */
export async function qualityRows(
  db: Kysely<DB>,
  workspaceId: number,
  window: { from: Date | null; to: Date; by: 'source' | 'campaign' | 'source_and_campaign' },
): Promise<QualityRow[]> {
  const source = window.by === 'campaign' ? sql`null::text` : sql`l.source`;
  const campaign = window.by === 'source' ? sql`null::int` : sql`l.first_campaign_id`;
  const campaignName = window.by === 'source' ? sql`null::text` : sql`c.name`;
  const lower = window.from ? sql`and f.decided_at >= ${window.from}` : sql``;
  const result = await sql<QualityRow>`
    with decisions as (
      select ${source} as source, ${campaign} as campaign_id, ${campaignName} as campaign_name,
             f.decision, f.reason_code
      from lead_feedback f
      join leads l on l.id = f.lead_id
      left join campaigns c on c.id = l.first_campaign_id
      where f.workspace_id = ${workspaceId} ${lower} and f.decided_at < ${window.to}
    )
    select grouping(source, campaign_id, campaign_name) as is_total,
           source, campaign_id, campaign_name, decision, reason_code, count(*) as count
    from decisions
    group by grouping sets ((source, campaign_id, campaign_name, decision, reason_code), (decision, reason_code))`.execute(
    db,
  );
  return result.rows.map((row) => ({ ...row, is_total: Number(row.is_total), count: Number(row.count) }));
}

// ----- insights -----------------------------------------------------------------------------

export async function insertInsight(db: Kysely<DB>, row: Insertable<InsightsTable>): Promise<InsightRow> {
  return db.insertInto('insights').values(row).returningAll().executeTakeFirstOrThrow();
}

export interface InsightFilters {
  type?: InsightType;
  competitor?: string;
  source?: string;
  from?: Date;
  to?: Date;
  leadId?: number;
  accountId?: number;
  opportunityId?: number;
}

export async function findInsights(
  db: Kysely<DB>,
  workspaceId: number,
  filters: InsightFilters,
  limit: number,
  cursor?: CursorPosition,
): Promise<InsightRow[]> {
  let query = db.selectFrom('insights').selectAll().where('workspace_id', '=', workspaceId);
  if (filters.type) query = query.where('type', '=', filters.type);
  if (filters.competitor) {
    const competitor = filters.competitor.toLowerCase();
    query = query.where(sql<boolean>`lower(competitor) = ${competitor}`);
  }
  if (filters.source) query = query.where('source', '=', filters.source);
  if (filters.from) query = query.where('occurred_at', '>=', filters.from);
  if (filters.to) query = query.where('occurred_at', '<', filters.to);
  if (filters.leadId !== undefined) query = query.where('lead_id', '=', filters.leadId);
  if (filters.accountId !== undefined) query = query.where('account_id', '=', filters.accountId);
  if (filters.opportunityId !== undefined) query = query.where('opportunity_id', '=', filters.opportunityId);
  if (cursor && typeof cursor.value === 'string') {
    const position = new Date(cursor.value);
    query = query.where((eb) =>
      eb.or([
        eb('occurred_at', '<', position),
        eb.and([eb('occurred_at', '=', position), eb('id', '<', cursor.id)]),
      ]),
    );
  }
  return query
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
}

/** The lead, account and opportunity an insight names, checked to exist in the workspace. */
export async function insightTargets(
  db: Kysely<DB>,
  workspaceId: number,
  ids: { leadId?: number | undefined; accountId?: number | undefined; opportunityId?: number | undefined },
): Promise<{
  lead?: { id: number; source: string | null; account_id: number | null } | undefined;
  account?: { id: number } | undefined;
  opportunity?: { id: number; source: string | null } | undefined;
}> {
  const [lead, account, opportunity] = await Promise.all([
    ids.leadId === undefined
      ? undefined
      : db
          .selectFrom('leads')
          .select(['id', 'source', 'account_id'])
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', ids.leadId)
          .executeTakeFirst(),
    ids.accountId === undefined
      ? undefined
      : db
          .selectFrom('accounts')
          .select('id')
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', ids.accountId)
          .executeTakeFirst(),
    ids.opportunityId === undefined
      ? undefined
      : db
          .selectFrom('opportunities')
          .select(['id', 'source'])
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', ids.opportunityId)
          .executeTakeFirst(),
  ]);
  return { lead, account, opportunity };
}
