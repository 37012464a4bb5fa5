import type { Kysely } from 'kysely';
import { assertReferencesExist } from '../../db/references.ts';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../shared/errors.ts';
import { keysetPosition, keysetSort, type SortColumns } from '../../shared/keyset.ts';
import { type Page, toPage } from '../../shared/pagination.ts';
import { type Caller, requireRole } from '../auth/auth.ts';
import { parseStageList } from '../leads/leads.ts';
import type { CampaignRow } from './campaigns.repository.ts';
import * as campaignsRepository from './campaigns.repository.ts';
import type {
  CreateCampaignInput,
  campaignSortColumns,
  ListCampaignsQuery,
  UpdateCampaignInput,
} from './campaigns.schemas.ts';
import { assertCampaignDates } from './campaigns.ts';

/** Campaigns and their spend are marketing's; sales and executives read them. */
const CAMPAIGN_EDITORS = ['admin', 'marketing'] as const;
const STATUSES = ['planned', 'active', 'completed', 'cancelled'] as const;

const SORT_COLUMNS: SortColumns<(typeof campaignSortColumns)[number]> = {
  created_at: { type: 'timestamptz', nullable: false },
  updated_at: { type: 'timestamptz', nullable: false },
  start_date: { type: 'date', nullable: true },
  end_date: { type: 'date', nullable: true },
  name: { type: 'text', nullable: false },
  cost: { type: 'numeric', nullable: false },
  budget: { type: 'numeric', nullable: true },
  id: { type: 'int8', nullable: false },
};

async function assertParentAllowed(
  db: Kysely<DB>,
  workspaceId: number,
  campaignId: number,
  parentId: number | null | undefined,
): Promise<void> {
  if (parentId === null || parentId === undefined) return;
  if (await campaignsRepository.isCampaignInParentChain(db, workspaceId, parentId, campaignId)) {
    const message =
      parentId === campaignId
        ? 'a campaign cannot be its own parent program'
        : `campaign ${parentId} belongs to campaign ${campaignId}; the program chain would loop`;
    throw new AppError('VALIDATION_FAILED', `parent_id: ${message}`, {
      issues: [{ path: 'parent_id', message }],
    });
  }
}

export async function createCampaign(
  db: Kysely<DB>,
  caller: Caller,
  input: CreateCampaignInput,
): Promise<CampaignRow> {
  requireRole(caller, CAMPAIGN_EDITORS, 'create campaigns');
  assertCampaignDates(input.start_date, input.end_date);
  return db.transaction().execute(async (trx) => {
    await assertReferencesExist(trx, caller.workspaceId, [
      { field: 'owner_id', table: 'users', id: input.owner_id },
      { field: 'parent_id', table: 'campaigns', id: input.parent_id },
    ]);
    return campaignsRepository.insertCampaign(trx, { workspace_id: caller.workspaceId, ...input });
  });
}

export async function getCampaign(db: Kysely<DB>, caller: Caller, id: number): Promise<CampaignRow> {
  const campaign = await campaignsRepository.getCampaign(db, caller.workspaceId, id);
  if (!campaign) throw new AppError('CAMPAIGN_NOT_FOUND', `Campaign ${id} does not exist`);
  return campaign;
}

export async function updateCampaign(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
  input: UpdateCampaignInput,
): Promise<CampaignRow> {
  requireRole(caller, CAMPAIGN_EDITORS, 'change campaigns');
  return db.transaction().execute(async (trx) => {
    const campaign = await campaignsRepository.getCampaign(trx, caller.workspaceId, id, { forUpdate: true });
    if (!campaign) throw new AppError('CAMPAIGN_NOT_FOUND', `Campaign ${id} does not exist`);
    // The dates the campaign will have after this change must still be in order.
    assertCampaignDates(
      input.start_date !== undefined ? input.start_date : campaign.start_date,
      input.end_date !== undefined ? input.end_date : campaign.end_date,
    );
    await assertReferencesExist(trx, caller.workspaceId, [
      { field: 'owner_id', table: 'users', id: input.owner_id },
      { field: 'parent_id', table: 'campaigns', id: input.parent_id },
    ]);
    await assertParentAllowed(trx, caller.workspaceId, id, input.parent_id);
    const updated = await campaignsRepository.updateCampaign(trx, caller.workspaceId, id, input);
    if (!updated) throw new AppError('CAMPAIGN_NOT_FOUND', `Campaign ${id} does not exist`);
    return updated;
  });
}

/** Touchpoints keep their history and lose the link; child campaigns lose their program. */
export async function deleteCampaign(db: Kysely<DB>, caller: Caller, id: number): Promise<void> {
  requireRole(caller, CAMPAIGN_EDITORS, 'delete campaigns');
  const deleted = await campaignsRepository.deleteCampaign(db, caller.workspaceId, id);
  if (!deleted) throw new AppError('CAMPAIGN_NOT_FOUND', `Campaign ${id} does not exist`);
}

function splitList(value: string | undefined): string[] | undefined {
  if (!value) return undefined;
  const parts = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  return parts.length ? parts : undefined;
}

export async function findCampaigns(
  db: Kysely<DB>,
  caller: Caller,
  query: ListCampaignsQuery,
): Promise<Page<CampaignRow>> {
  const sort = keysetSort(query.sort, SORT_COLUMNS, '-created_at');
  const rows = await campaignsRepository.findCampaigns(
    db,
    caller.workspaceId,
    {
      channels: splitList(query.channel),
      statuses: parseStageList(query.status, STATUSES, 'status'),
      type: query.type,
      ownerId: query.owner_id,
      parentId: query.parent_id,
      topLevel: query.top_level,
      startFrom: query.start_from,
      startTo: query.start_to,
      activeFrom: query.active_from,
      activeTo: query.active_to,
      search: query.q,
    },
    sort,
    query.limit,
    query.cursor,
  );
  return toPage(
    rows,
    query.limit,
    (row) => keysetPosition(row[sort.column], row.id),
    (row) => row,
  );
}
