import { z } from 'zod';
import type { App } from '../../server/types.ts';
import { isoOrNull } from '../../shared/time.ts';
import type { ChannelRow } from './notifications.repository.ts';
import {
  type ApiChannel,
  channelSchema,
  createChannelBody,
  listNotificationsQuery,
  notificationPageSchema,
  smtpSettingsBody,
  smtpSettingsSchema,
  updateChannelBody,
} from './notifications.schemas.ts';
import * as service from './notifications.service.ts';

export function toApiChannel(row: ChannelRow, secret?: string): ApiChannel {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    url: row.url,
    events: row.events,
    config: row.config,
    active: row.active,
    has_secret: row.secret !== null,
    ...(secret ? { secret } : {}),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

const idParams = z.object({ id: z.coerce.number().int().positive() });

export function registerNotificationRoutes(api: App): void {
  api.get(
    '/notifications',
    {
      schema: {
        tags: ['notifications'],
        summary:
          'The outbox and its delivery log: each notification with the status, attempts and last error per channel',
        querystring: listNotificationsQuery,
        response: { 200: notificationPageSchema },
      },
    },
    async (request) => {
      const page = await service.findNotifications(api.db, request.actor, request.query);
      return {
        next_cursor: page.next_cursor,
        items: page.items.map((row) => ({
          id: row.id,
          event: row.event,
          lead_id: row.lead_id,
          recipient_user_id: row.recipient_user_id,
          payload: row.payload,
          idempotency_key: row.idempotency_key,
          created_at: row.created_at.toISOString(),
          deliveries: row.deliveries.map((delivery) => ({
            id: delivery.id,
            channel_id: delivery.channel_id,
            channel_name: delivery.channel_name,
            channel_kind: delivery.channel_kind,
            status: delivery.status,
            attempts: delivery.attempts,
            next_attempt_at: delivery.status === 'pending' ? delivery.due_at.toISOString() : null,
            last_error: delivery.last_error,
            last_status_code: delivery.last_status_code,
            delivered_at: isoOrNull(delivery.delivered_at),
          })),
        })),
      };
    },
  );

  api.get(
    '/notifications/channels',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Notification channels (admins)',
        response: { 200: z.object({ items: z.array(channelSchema) }) },
      },
    },
    async (request) => ({
      items: (await service.findChannels(api.db, request.actor)).map((row) => toApiChannel(row)),
    }),
  );

  api.post(
    '/notifications/channels',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Add a signed webhook, a Slack-compatible incoming webhook or an email channel (admins)',
        body: createChannelBody,
        response: { 201: channelSchema },
      },
    },
    async (request, reply) => {
      const { channel, secret } = await service.createChannel(api.db, request.actor, request.body);
      return reply.status(201).send(toApiChannel(channel, secret));
    },
  );

  api.get(
    '/notifications/channels/:id',
    {
      schema: {
        tags: ['notifications'],
        summary: 'One notification channel (admins)',
        params: idParams,
        response: { 200: channelSchema },
      },
    },
    async (request) => toApiChannel(await service.getChannel(api.db, request.actor, request.params.id)),
  );

  api.patch(
    '/notifications/channels/:id',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Change a channel, pause it (active: false) or rotate its secret (admins)',
        params: idParams,
        body: updateChannelBody,
        response: { 200: channelSchema },
      },
    },
    async (request) => {
      const { channel, secret } = await service.updateChannel(
        api.db,
        request.actor,
        request.params.id,
        request.body,
      );
      return toApiChannel(channel, secret);
    },
  );

  api.delete(
    '/notifications/channels/:id',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Remove a channel and its delivery log (admins; pause it instead to keep the log)',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await service.deleteChannel(api.db, request.actor, request.params.id);
      return reply.status(204).send(null);
    },
  );

  api.get(
    '/notifications/smtp',
    {
      schema: {
        tags: ['notifications'],
        summary: 'The SMTP server email channels use (admins)',
        response: { 200: smtpSettingsSchema },
      },
    },
    async (request) => service.getSmtpSettings(api.db, request.actor),
  );

  api.put(
    '/notifications/smtp',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Set the workspace SMTP server (overrides TANDEM_SMTP_URL; admins)',
        body: smtpSettingsBody,
        response: { 200: smtpSettingsSchema },
      },
    },
    async (request) => service.setSmtpSettings(api.db, request.actor, request.body),
  );
}
