import { z } from 'zod';
import type { App } from '../../server/types.ts';
import { isoOrNull } from '../../shared/time.ts';
import { toApiLead, toApiLifecycleEvent } from '../leads/leads.routes.ts';
import { leadSchema, lifecycleEventSchema } from '../leads/leads.schemas.ts';
import { toApiAssignment } from '../routing/routing.routes.ts';
import { assignmentSchema } from '../routing/routing.schemas.ts';
import { qualificationFieldLabel } from '../scoring/scoring.ts';
import {
  fieldsResponse,
  handoffBody,
  queueQuery,
  queueResponse,
  saveFieldsBody,
} from './qualification.schemas.ts';
import * as qualificationService from './qualification.service.ts';

const idParams = z.object({ id: z.coerce.number().int().positive() });

function toApiFields(fields: string[]): z.infer<typeof fieldsResponse> {
  return { fields: fields.map((field) => ({ field, label: qualificationFieldLabel(field) })) };
}

export function registerQualificationRoutes(api: App): void {
  api.get(
    '/qualification/fields',
    {
      schema: {
        tags: ['qualification'],
        summary: 'Fields a lead must have before it is handed to sales',
        response: { 200: fieldsResponse },
      },
    },
    async (request) => toApiFields(await qualificationService.getQualificationFields(api.db, request.actor)),
  );

  api.put(
    '/qualification/fields',
    {
      schema: {
        tags: ['qualification'],
        summary: 'Set the qualification fields (admins); waiting leads are evaluated again',
        body: saveFieldsBody,
        response: { 200: fieldsResponse },
      },
    },
    async (request) =>
      toApiFields(
        await qualificationService.saveQualificationFields(api.db, request.actor, request.body.fields),
      ),
  );

  api.get(
    '/qualification/queue',
    {
      schema: {
        tags: ['qualification'],
        summary: 'Leads at the MQL score that need qualification before handoff, hottest first',
        querystring: queueQuery,
        response: { 200: queueResponse },
      },
    },
    async (request) => {
      const page = await qualificationService.findQueue(api.db, request.actor, request.query);
      return {
        mql_threshold: page.mql_threshold,
        required_fields: page.required_fields.map(qualificationFieldLabel),
        items: page.items.map((row) => ({
          lead: {
            id: row.id,
            email: row.email,
            first_name: row.first_name,
            last_name: row.last_name,
            company: row.company,
            title: row.title,
            stage: row.stage,
            temperature: row.temperature,
            score: row.score,
            owner_id: row.owner_id,
          },
          missing_fields: row.missing_fields.map(qualificationFieldLabel),
          since: isoOrNull(row.since),
        })),
        next_cursor: page.next_cursor,
      };
    },
  );

  api.post(
    '/leads/:id/handoff',
    {
      schema: {
        tags: ['qualification'],
        summary: 'Hand a lead to sales now: qualification gate, move to MQL, route (admins, marketing)',
        description: '422 QUALIFICATION_INCOMPLETE names the missing fields.',
        params: idParams,
        body: handoffBody,
        response: {
          200: z.object({
            lead: leadSchema,
            event: lifecycleEventSchema,
            assignment: assignmentSchema.nullable(),
          }),
        },
      },
    },
    async (request) => {
      const result = await qualificationService.handOffLead(
        api.db,
        request.actor,
        request.params.id,
        request.body ?? {},
      );
      return {
        lead: toApiLead(result.lead),
        event: toApiLifecycleEvent(result.event),
        assignment: result.assignment ? toApiAssignment(result.assignment) : null,
      };
    },
  );
}
