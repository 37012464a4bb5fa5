// The API contract, taken from the server's zod schemas so the web app and the API cannot
// drift apart silently. These imports are type-only and vanish from the bundle.
import type { z } from 'zod';
import type { activitySchema } from '../../../src/modules/activities/activities.schemas.ts';
import type {
  attributionResponse,
  compareResponse,
} from '../../../src/modules/attribution/attribution.schemas.ts';
import type {
  apiTokenSchema,
  createdTokenResponse,
  meResponse,
  roleSchema,
} from '../../../src/modules/auth/auth.schemas.ts';
import type {
  campaignReportResponse,
  campaignResultsResponse,
} from '../../../src/modules/campaign-reports/campaign-reports.schemas.ts';
import type { campaignSchema } from '../../../src/modules/campaigns/campaigns.schemas.ts';
import type {
  feedbackResponse,
  insightSchema,
  insightTypeSchema,
  leadQualityReport,
  reasonSchema,
} from '../../../src/modules/feedback/feedback.schemas.ts';
import type { funnelGroupSchema, funnelResponse } from '../../../src/modules/funnel/funnel.schemas.ts';
import type { importSchema, rejectionSchema } from '../../../src/modules/imports/imports.schemas.ts';
import type {
  leadSchema,
  lifecycleEventSchema,
  stageSchema,
  temperatureSchema,
  timelineItemSchema,
  transitionResponse,
} from '../../../src/modules/leads/leads.schemas.ts';
import type { opportunitySchema } from '../../../src/modules/opportunities/opportunities.schemas.ts';
import type {
  goalSchema,
  planActualsSchema,
  planResultSchema,
  planSummarySchema,
} from '../../../src/modules/planning/planning.schemas.ts';
import type {
  fieldsResponse,
  queueResponse,
} from '../../../src/modules/qualification/qualification.schemas.ts';
import type { assignmentsResponse, routingRuleSchema } from '../../../src/modules/routing/routing.schemas.ts';
import type { scorecardResponse } from '../../../src/modules/scorecard/scorecard.schemas.ts';
import type {
  jobSchema,
  modelResponse,
  previewResponse,
  saveModelResponse,
  scoreExplanationResponse,
} from '../../../src/modules/scoring/scoring.schemas.ts';
import type {
  calendarSchema,
  commitmentSchema,
  policySchema,
  slaEventSchema,
  slaReportSchema,
} from '../../../src/modules/sla/sla.schemas.ts';
import type { speedToLeadReport } from '../../../src/modules/speed-to-lead/speed-to-lead.schemas.ts';
import type { teamSchema, userSchema, userStatusSchema } from '../../../src/modules/users/users.schemas.ts';
import type { dealReviewResponse, winLossResponse } from '../../../src/modules/winloss/winloss.schemas.ts';

export type Role = z.infer<typeof roleSchema>;
export type Me = z.infer<typeof meResponse>['user'];
export type ApiToken = z.infer<typeof apiTokenSchema>;
export type CreatedToken = z.infer<typeof createdTokenResponse>;

export type Lead = z.infer<typeof leadSchema>;
export type Stage = z.infer<typeof stageSchema>;
export type Temperature = z.infer<typeof temperatureSchema>;
export type LifecycleEvent = z.infer<typeof lifecycleEventSchema>;
export type TimelineItem = z.infer<typeof timelineItemSchema>;
export type TransitionResult = z.infer<typeof transitionResponse>;

export type User = z.infer<typeof userSchema>;
export type UserStatus = z.infer<typeof userStatusSchema>;
export type Team = z.infer<typeof teamSchema>;

export const ROLES: readonly Role[] = ['admin', 'marketing', 'sales', 'sdr', 'executive'];
export const ROLE_LABELS: Record<Role, string> = {
  admin: 'Admin',
  marketing: 'Marketing',
  sales: 'Sales',
  sdr: 'SDR',
  executive: 'Executive',
};

export const STAGES: readonly Stage[] = [
  'subscriber',
  'lead',
  'mql',
  'sal',
  'sql',
  'opportunity',
  'customer',
  'recycled',
  'disqualified',
];
export const STAGE_LABELS: Record<Stage, string> = {
  subscriber: 'Subscriber',
  lead: 'Lead',
  mql: 'MQL',
  sal: 'SAL',
  sql: 'SQL',
  opportunity: 'Opportunity',
  customer: 'Customer',
  recycled: 'Recycled',
  disqualified: 'Disqualified',
};
export const TEMPERATURES: readonly Temperature[] = ['cold', 'warm', 'hot'];

// Reports and planning.

export type FunnelReport = z.infer<typeof funnelResponse>;
export type FunnelGroup = z.infer<typeof funnelGroupSchema>;
export type Goal = z.infer<typeof goalSchema>;
export type PlanResult = z.infer<typeof planResultSchema>;
export type PlanSummary = z.infer<typeof planSummarySchema>;
export type PlanActuals = z.infer<typeof planActualsSchema>;
export type Scorecard = z.infer<typeof scorecardResponse>;
export type Kpi = Scorecard['kpis'][number];
export type PlanStage = PlanResult['steps'][number]['stage'];
export type RateName = PlanResult['rates'][number]['name'];

// Scoring, qualification and routing.
export type ScoringModel = z.infer<typeof modelResponse>;
export type ScoringJob = z.infer<typeof jobSchema>;
export type ScoringPreview = z.infer<typeof previewResponse>;
export type SavedScoringModel = z.infer<typeof saveModelResponse>;
export type ScoreExplanation = z.infer<typeof scoreExplanationResponse>;
export type QualificationFields = z.infer<typeof fieldsResponse>;
export type QualificationQueue = z.infer<typeof queueResponse>;
export type RoutingRule = z.infer<typeof routingRuleSchema>;
export type Assignments = z.infer<typeof assignmentsResponse>;

// Sales activities and the SLA.
export type Activity = z.infer<typeof activitySchema>;
export type SlaCalendar = z.infer<typeof calendarSchema>;
export type SlaPolicy = z.infer<typeof policySchema>;
export type SlaCommitment = z.infer<typeof commitmentSchema>;
export type SlaEvent = z.infer<typeof slaEventSchema>;
export type SlaReport = z.infer<typeof slaReportSchema>;
export type SpeedToLead = z.infer<typeof speedToLeadReport>;

// Sales feedback and the voice of the customer.
export type FeedbackResult = z.infer<typeof feedbackResponse>;
export type RejectionReason = z.infer<typeof reasonSchema>;
export type LeadQuality = z.infer<typeof leadQualityReport>;
export type Insight = z.infer<typeof insightSchema>;
export type InsightType = z.infer<typeof insightTypeSchema>;
export const INSIGHT_TYPES: readonly InsightType[] = [
  'need',
  'objection',
  'competitor_mention',
  'feature_request',
  'pricing_feedback',
];

// Imports.
export type Import = z.infer<typeof importSchema>;
export type ImportRejection = z.infer<typeof rejectionSchema>;

// Campaigns and attribution.
export type Campaign = z.infer<typeof campaignSchema>;
export type Attribution = z.infer<typeof attributionResponse>;
export type AttributionComparison = z.infer<typeof compareResponse>;
export type AttributionModel = AttributionComparison['models'][number];
export type AttributionMetric = AttributionComparison['metric'];
export type CampaignReport = z.infer<typeof campaignReportResponse>;
export type CampaignResults = z.infer<typeof campaignResultsResponse>;

// Deals and win/loss.
export type Opportunity = z.infer<typeof opportunitySchema>;
export type WinLoss = z.infer<typeof winLossResponse>;
export type DealReview = z.infer<typeof dealReviewResponse>;
