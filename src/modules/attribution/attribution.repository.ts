import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

export interface CampaignLabel {
  id: number;
  name: string;
  channel: string;
}

/** Names and channels of campaigns, for labelling report rows keyed by campaign id. */
export async function findCampaignLabels(
  db: Kysely<DB>,
  workspaceId: number,
  ids: readonly number[],
): Promise<CampaignLabel[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('campaigns')
    .select(['id', 'name', 'channel'])
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', [...ids])
    .execute();
}
