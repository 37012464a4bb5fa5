import { z } from 'zod';
import { cursorSchema, limitSchema, pageSchema } from '../../shared/pagination.ts';

export const notificationEventSchema = z.enum([
  'lead.assigned',
  'sla.warning',
  'sla.breached',
  'lead.rejected',
  'lead.recycled',
  'lead.needs_qualification',
]);
export const channelKindSchema = z.enum(['webhook', 'slack', 'email']);
export const deliveryStatusSchema = z.enum(['pending', 'delivering', 'delivered', 'failed', 'skipped']);

const httpUrl = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .describe('http(s) URL the notification is POSTed to (webhook and slack channels)');

const channelConfig = z
  .object({
    to: z
      .array(z.email().max(320))
      .max(50)
      .optional()
      .describe('Email channels: fixed addresses that get every notification, besides the recipient user'),
  })
  .strict();

export const createChannelBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    kind: channelKindSchema,
    url: httpUrl.optional(),
    secret: z
      .string()
      .min(16)
      .max(200)
      .optional()
      .describe('Webhook signing secret; generated when omitted and shown once in the response'),
    events: z.array(notificationEventSchema).min(1).describe('Events this channel receives'),
    config: channelConfig.optional(),
    active: z.boolean().optional(),
  })
  .strict()
  .superRefine((channel, context) => {
    if (channel.kind !== 'email' && !channel.url)
      context.addIssue({ code: 'custom', path: ['url'], message: `a ${channel.kind} channel needs a url` });
    if (channel.kind === 'email' && channel.url)
      context.addIssue({ code: 'custom', path: ['url'], message: 'an email channel has no url' });
    if (channel.kind !== 'webhook' && channel.secret)
      context.addIssue({ code: 'custom', path: ['secret'], message: 'only webhook channels are signed' });
  });
export type CreateChannelInput = z.infer<typeof createChannelBody>;

export const updateChannelBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    url: httpUrl.optional(),
    events: z.array(notificationEventSchema).min(1).optional(),
    config: channelConfig.optional(),
    active: z.boolean().optional(),
    rotate_secret: z
      .boolean()
      .optional()
      .describe('Webhook channels: replace the secret (the new one is returned once)'),
  })
  .strict();
export type UpdateChannelInput = z.infer<typeof updateChannelBody>;

export const channelSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  kind: channelKindSchema,
  url: z.string().nullable(),
  events: z.array(notificationEventSchema),
  config: z.record(z.string(), z.unknown()),
  active: z.boolean(),
  has_secret: z.boolean(),
  secret: z.string().optional().describe('Only in the response that created or rotated it'),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ApiChannel = z.infer<typeof channelSchema>;

export const deliverySchema = z.object({
  id: z.number().int(),
  channel_id: z.number().int(),
  channel_name: z.string(),
  channel_kind: channelKindSchema,
  status: deliveryStatusSchema,
  attempts: z.number().int(),
  next_attempt_at: z.string().nullable().describe('When a pending delivery is tried next'),
  last_error: z.string().nullable(),
  last_status_code: z.number().int().nullable(),
  delivered_at: z.string().nullable(),
});

export const notificationSchema = z.object({
  id: z.number().int(),
  event: notificationEventSchema,
  lead_id: z.number().int().nullable(),
  recipient_user_id: z.number().int().nullable(),
  payload: z.record(z.string(), z.unknown()),
  idempotency_key: z.string(),
  created_at: z.string(),
  deliveries: z.array(deliverySchema),
});

export const listNotificationsQuery = z.object({
  event: notificationEventSchema.optional(),
  status: deliveryStatusSchema.optional().describe('Notifications with at least one delivery in this status'),
  lead_id: z.coerce.number().int().positive().optional(),
  from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional().describe('Exclusive upper bound'),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type ListNotificationsQuery = z.infer<typeof listNotificationsQuery>;

export const notificationPageSchema = pageSchema(notificationSchema);

export const smtpSettingsBody = z
  .object({
    url: z
      .url({ protocol: /^smtps?$/ })
      .max(2000)
      .nullable()
      .describe('smtp:// or smtps:// URL with credentials; null removes the workspace setting'),
    from: z
      .string()
      .trim()
      .min(3)
      .max(300)
      .optional()
      .describe('From header, e.g. "Tandem <tandem@example.com>"'),
  })
  .strict();

export const smtpSettingsSchema = z.object({
  source: z.enum(['workspace', 'environment', 'none']),
  url: z.string().nullable().describe('With the password redacted'),
  from: z.string().nullable(),
});
