import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { App } from '../../server/types.ts';
import type { WebFormRow } from './forms.repository.ts';
import {
  createFormBody,
  formListSchema,
  formSchema,
  submissionBody,
  submissionResponse,
  updateFormBody,
} from './forms.schemas.ts';
import * as formsService from './forms.service.ts';
import { htmlSnippet } from './forms.ts';

/** Posts per minute and client address on the public form route (TANDEM_FORM_RATE_LIMIT). */
export function formRateLimit(): number {
  const configured = Number(process.env.TANDEM_FORM_RATE_LIMIT);
  return Number.isInteger(configured) && configured > 0 ? configured : 20;
}

const MAX_FORM_BODY = 256 * 1024;

/** application/x-www-form-urlencoded -> fields; a repeated name (checkboxes) becomes a list. */
export function parseFormBody(body: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const earlier = fields[name];
    if (earlier === undefined) fields[name] = value;
    else fields[name] = Array.isArray(earlier) ? [...earlier, value] : [earlier, value];
  }
  return fields;
}

function postUrl(request: FastifyRequest, key: string): string {
  return `${request.protocol}://${request.host}/api/v1/forms/${encodeURIComponent(key)}`;
}

export function toApiForm(row: WebFormRow, request: FastifyRequest): z.infer<typeof formSchema> {
  const url = postUrl(request, row.key);
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    campaign_id: row.campaign_id,
    field_mapping: row.field_mapping,
    redirect_url: row.redirect_url,
    honeypot_field: row.honeypot_field,
    source: row.source,
    active: row.active,
    post_url: url,
    html_snippet: htmlSnippet(url, row.honeypot_field),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

const idParams = z.object({ id: z.coerce.number().int().positive() });

export function registerFormRoutes(api: App): void {
  api.get(
    '/forms',
    { schema: { tags: ['forms'], summary: 'Web forms', response: { 200: formListSchema } } },
    async (request) => ({
      items: (await formsService.findForms(api.db, request.actor)).map((row) => toApiForm(row, request)),
    }),
  );

  api.post(
    '/forms',
    {
      schema: {
        tags: ['forms'],
        summary: 'Define a web form (admins, marketing)',
        body: createFormBody,
        response: { 201: formSchema },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(toApiForm(await formsService.createForm(api.db, request.actor, request.body), request)),
  );

  api.get(
    '/forms/:id',
    {
      schema: {
        tags: ['forms'],
        summary: 'One web form, with its HTML snippet',
        params: idParams,
        response: { 200: formSchema },
      },
    },
    async (request) =>
      toApiForm(await formsService.getForm(api.db, request.actor, request.params.id), request),
  );

  api.patch(
    '/forms/:id',
    {
      schema: {
        tags: ['forms'],
        summary: 'Change a web form (admins, marketing)',
        params: idParams,
        body: updateFormBody,
        response: { 200: formSchema },
      },
    },
    async (request) =>
      toApiForm(
        await formsService.updateForm(api.db, request.actor, request.params.id, request.body),
        request,
      ),
  );

  // The public post gets its own scope: the form-body parser and the per-address rate limit
  // apply to this route only.
  api.register(async (scope) => {
    const forms = scope as unknown as App;
    await forms.register(fastifyRateLimit, { global: false });
    forms.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: MAX_FORM_BODY },
      (_request, body, done) => done(null, parseFormBody(body as string)),
    );
    forms.post(
      '/forms/:formKey',
      {
        config: { public: true, rateLimit: { max: formRateLimit(), timeWindow: 60_000 } },
        bodyLimit: MAX_FORM_BODY,
        schema: {
          tags: ['forms'],
          summary: 'Submit a web form (public): creates or updates the lead and records a form fill',
          description:
            "A browser form post (application/x-www-form-urlencoded) is redirected with 303 to the form's redirect URL; JSON, or a form without a redirect URL, gets JSON. UTM parameters come from utm_* fields or the query string, the referrer from a referrer field or the Referer header. Rate-limited per client address (429).",
          params: z.object({ formKey: z.string().min(1).max(64) }),
          body: submissionBody,
          querystring: z.record(z.string(), z.string()).optional(),
          response: { 200: submissionResponse },
        },
      },
      async (request, reply) => {
        const outcome = await formsService.submitForm(api.db, request.params.formKey, request.body, {
          query: request.query ?? {},
          refererHeader: request.headers.referer,
        });
        const redirect = outcome.form.redirect_url;
        const json = (request.headers['content-type'] ?? '').includes('application/json');
        if (redirect && !json) return reply.redirect(redirect, 303);
        return { received: true as const, redirect_url: redirect };
      },
    );
  });
}
