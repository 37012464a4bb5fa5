import { z } from 'zod';
import type { App } from '../../server/types.ts';
import { isoOrNull } from '../../shared/time.ts';
import { toApiLead } from '../leads/leads.routes.ts';
import type { FeedbackRow, InsightRow, ReasonRow } from './feedback.repository.ts';
import {
  acceptLeadBody,
  createInsightBody,
  createReasonBody,
  feedbackResponse,
  type feedbackSchema,
  insightPageSchema,
  insightSchema,
  leadQualityQuery,
  leadQualityReport,
  listInsightsQuery,
  listReasonsQuery,
  reasonSchema,
  rejectLeadBody,
  updateReasonBody,
} from './feedback.schemas.ts';
import * as service from './feedback.service.ts';

function toApiFeedback(row: FeedbackRow): z.infer<typeof feedbackSchema> {
  return {
    id: row.id,
    lead_id: row.lead_id,
    decision: row.decision,
    reason_code: row.reason_code,
    note: row.note,
    outcome: row.outcome,
    handoff_at: isoOrNull(row.handoff_at),
    owner_id: row.owner_id,
    decided_by: row.decided_by,
    decided_at: row.decided_at.toISOString(),
  };
}

function toApiReason(row: ReasonRow): z.infer<typeof reasonSchema> {
  return {
    id: row.id,
    code: row.code,
    label: row.label,
    requires_note: row.requires_note,
    active: row.active,
    position: row.position,
  };
}

function toApiInsight(row: InsightRow): z.infer<typeof insightSchema> {
  return {
    id: row.id,
    type: row.type,
    body: row.body,
    lead_id: row.lead_id,
    account_id: row.account_id,
    opportunity_id: row.opportunity_id,
    competitor: row.competitor,
    source: row.source,
    occurred_at: row.occurred_at.toISOString(),
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
  };
}

const idParams = z.object({ id: z.coerce.number().int().positive() });

export function registerFeedbackRoutes(api: App): void {
  api.post(
    '/leads/:id/accept',
    {
      schema: {
        tags: ['feedback'],
        summary: 'Accept a handed-off lead (MQL -> SAL); its owner or an admin',
        params: idParams,
        body: acceptLeadBody,
        response: { 200: feedbackResponse },
      },
    },
    async (request) => {
      const result = await service.acceptLead(api.db, request.actor, request.params.id, request.body);
      return { lead: toApiLead(result.lead), feedback: toApiFeedback(result.feedback) };
    },
  );

  api.post(
    '/leads/:id/reject',
    {
      schema: {
        tags: ['feedback'],
        summary:
          'Reject a handed-off lead with a reason code; it goes back to marketing, recycled or disqualified, and marketing is notified',
        params: idParams,
        body: rejectLeadBody,
        response: { 200: feedbackResponse },
      },
    },
    async (request) => {
      const result = await service.rejectLead(api.db, request.actor, request.params.id, request.body);
      return { lead: toApiLead(result.lead), feedback: toApiFeedback(result.feedback) };
    },
  );

  api.get(
    '/rejection-reasons',
    {
      schema: {
        tags: ['feedback'],
        summary: 'Reason codes for rejecting a lead',
        querystring: listReasonsQuery,
        response: { 200: z.object({ items: z.array(reasonSchema) }) },
      },
    },
    async (request) => ({
      items: (await service.findReasons(api.db, request.actor, request.query.include_inactive ?? false)).map(
        toApiReason,
      ),
    }),
  );

  api.post(
    '/rejection-reasons',
    {
      schema: {
        tags: ['feedback'],
        summary: 'Add a rejection reason (admins)',
        body: createReasonBody,
        response: { 201: reasonSchema },
      },
    },
    async (request, reply) =>
      reply.status(201).send(toApiReason(await service.createReason(api.db, request.actor, request.body))),
  );

  api.patch(
    '/rejection-reasons/:id',
    {
      schema: {
        tags: ['feedback'],
        summary: 'Rename, reorder, require a note for, retire or restore a rejection reason (admins)',
        params: idParams,
        body: updateReasonBody,
        response: { 200: reasonSchema },
      },
    },
    async (request) =>
      toApiReason(await service.updateReason(api.db, request.actor, request.params.id, request.body)),
  );

  api.get(
    '/reports/lead-quality',
    {
      schema: {
        tags: ['reports'],
        summary: 'Accepted and rejected leads with rejection reasons, by lead source and campaign',
        querystring: leadQualityQuery,
        response: { 200: leadQualityReport },
      },
    },
    async (request) => service.getLeadQuality(api.db, request.actor, request.query),
  );

  api.post(
    '/insights',
    {
      schema: {
        tags: ['feedback'],
        summary:
          'Record what a customer said (need, objection, competitor mention, feature request, pricing feedback)',
        body: createInsightBody,
        response: { 201: insightSchema },
      },
    },
    async (request, reply) =>
      reply.status(201).send(toApiInsight(await service.createInsight(api.db, request.actor, request.body))),
  );

  api.get(
    '/insights',
    {
      schema: {
        tags: ['feedback'],
        summary: 'Customer insights, newest first, filtered by type, competitor, date and source',
        querystring: listInsightsQuery,
        response: { 200: insightPageSchema },
      },
    },
    async (request) => {
      const page = await service.findInsights(api.db, request.actor, request.query);
      return { items: page.items.map(toApiInsight), next_cursor: page.next_cursor };
    },
  );
}
