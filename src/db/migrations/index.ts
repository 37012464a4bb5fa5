import type { Migration } from 'kysely';
import * as foundation from './0001_foundation.ts';
import * as crmIndexes from './0100_crm_indexes.ts';
import * as importsProgress from './0200_imports_progress.ts';
import * as scoringRoutingForms from './0400_scoring_routing_forms.ts';
import * as notifications from './0450_notifications.ts';
import * as sla from './0460_sla.ts';
import * as feedback from './0470_feedback.ts';
import * as attributionRollups from './0600_attribution_rollups.ts';
import * as planning from './0650_planning.ts';
import * as handoffResponse from './0660_handoff_response.ts';
import * as reportIndexes from './0700_report_indexes.ts';

// Ordered by name; a new migration gets the next number and one line here.
export const migrations: Record<string, Migration> = {
  '0001_foundation': foundation,
  '0100_crm_indexes': crmIndexes,
  '0200_imports_progress': importsProgress,
  '0400_scoring_routing_forms': scoringRoutingForms,
  '0450_notifications': notifications,
  '0460_sla': sla,
  '0470_feedback': feedback,
  '0600_attribution_rollups': attributionRollups,
  '0650_planning': planning,
  '0660_handoff_response': handoffResponse,
  '0700_report_indexes': reportIndexes,
};
