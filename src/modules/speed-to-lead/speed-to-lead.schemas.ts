import { z } from 'zod';

const dateOrDateTime = z.iso.datetime({ offset: true }).or(z.iso.date());

export const speedToLeadQuery = z.object({
  from: dateOrDateTime
    .optional()
    .describe('Leads handed off at or after this day/instant (UTC); default: all'),
  to: dateOrDateTime
    .optional()
    .describe('Leads handed off before this day/instant (exclusive); default: now'),
  by: z.enum(['owner', 'team', 'source']).optional().describe('Also break the figures down by this'),
  calendar_id: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe('Business calendar for the business-hour figures (default: the workspace default calendar)'),
});
export type SpeedToLeadQuery = z.infer<typeof speedToLeadQuery>;

const businessFigures = z
  .object({
    median_hours: z.number().nullable(),
    p90_hours: z.number().nullable(),
    within_1h_share: z.number().nullable(),
    within_24h_share: z.number().nullable(),
    over_24h_share: z.number().nullable(),
  })
  .describe('The same response times counted in business hours of the calendar');

export const speedToLeadFigures = z.object({
  leads: z.number().int().describe('Leads handed to sales'),
  responded: z.number().int().describe('Leads with a sales activity at or after handoff'),
  median_hours: z.number().nullable(),
  p90_hours: z.number().nullable(),
  within_1h_share: z.number().nullable().describe('Responded within 1 hour, as a fraction of leads'),
  within_24h_share: z.number().nullable().describe('Responded within 24 hours (1 hour included)'),
  over_24h_share: z.number().nullable().describe('Responded, but after more than 24 hours'),
  never_share: z.number().nullable().describe('No sales activity yet'),
  breaches: z.number().int().describe('SLA breaches recorded for these leads'),
  business: businessFigures.nullable(),
});
export type SpeedToLeadFigures = z.infer<typeof speedToLeadFigures>;

export const speedToLeadReport = z.object({
  from: z.string().nullable(),
  to: z.string(),
  by: z.enum(['owner', 'team', 'source']).nullable(),
  calendar: z.object({ id: z.number().int(), name: z.string(), time_zone: z.string() }).nullable(),
  overall: speedToLeadFigures,
  groups: z
    .array(
      speedToLeadFigures.extend({
        key: z.string().nullable().describe('Owner email, team name or lead source; null when unknown'),
        id: z.number().int().nullable().describe('Owner or team id'),
      }),
    )
    .optional(),
});
export type SpeedToLeadReport = z.infer<typeof speedToLeadReport>;
