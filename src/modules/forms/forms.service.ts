import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, validationError } from '../../shared/errors.ts';
import { type Caller, requireRole } from '../auth/auth.ts';
import * as leadsRepository from '../leads/leads.repository.ts';
import { insertLifecycleEvent } from '../lifecycle/lifecycle.repository.ts';
import { recordTouchpoints } from '../touchpoints/touchpoints.service.ts';
import type { WebFormRow } from './forms.repository.ts';
import * as repository from './forms.repository.ts';
import type { CreateFormInput, UpdateFormInput } from './forms.schemas.ts';
import { mappingIssues, readSubmission, type Submission } from './forms.ts';

const MANAGERS = ['admin', 'marketing'] as const;

async function assertCampaign(
  db: Kysely<DB>,
  workspaceId: number,
  campaignId: number | null | undefined,
): Promise<void> {
  if (campaignId === null || campaignId === undefined) return;
  if (!(await repository.campaignChannel(db, workspaceId, campaignId))) {
    throw new AppError('VALIDATION_FAILED', `campaign_id: no campaign with id ${campaignId}`, {
      issues: [{ path: 'campaign_id', message: `no campaign with id ${campaignId}` }],
    });
  }
}

export async function createForm(
  db: Kysely<DB>,
  caller: Caller,
  input: CreateFormInput,
): Promise<WebFormRow> {
  requireRole(caller, MANAGERS, 'define web forms');
  const honeypot = input.honeypot_field ?? 'website';
  const issues = mappingIssues(input.field_mapping ?? {}, honeypot);
  if (issues.length) throw validationError(issues);
  await assertCampaign(db, caller.workspaceId, input.campaign_id);
  return repository.insertForm(db, {
    workspace_id: caller.workspaceId,
    key: input.key ?? `f${randomBytes(6).toString('hex')}`,
    name: input.name,
    campaign_id: input.campaign_id ?? null,
    field_mapping: JSON.stringify(input.field_mapping ?? {}),
    redirect_url: input.redirect_url ?? null,
    honeypot_field: honeypot,
    source: input.source ?? null,
    active: input.active ?? true,
    created_by: caller.userId,
  });
}

export async function updateForm(
  db: Kysely<DB>,
  caller: Caller,
  id: number,
  input: UpdateFormInput,
): Promise<WebFormRow> {
  requireRole(caller, MANAGERS, 'change web forms');
  const current = await getForm(db, caller, id);
  const issues = mappingIssues(
    input.field_mapping ?? current.field_mapping,
    input.honeypot_field ?? current.honeypot_field,
  );
  if (issues.length) throw validationError(issues);
  await assertCampaign(db, caller.workspaceId, input.campaign_id);
  const { field_mapping, ...rest } = input;
  const updated = await repository.updateForm(db, caller.workspaceId, id, {
    ...rest,
    ...(field_mapping === undefined ? {} : { field_mapping: JSON.stringify(field_mapping) }),
  });
  if (!updated) throw new AppError('FORM_NOT_FOUND', `Form ${id} does not exist`);
  return updated;
}

export async function getForm(db: Kysely<DB>, caller: Caller, id: number): Promise<WebFormRow> {
  const form = await repository.getForm(db, caller.workspaceId, id);
  if (!form) throw new AppError('FORM_NOT_FOUND', `Form ${id} does not exist`);
  return form;
}

export async function findForms(db: Kysely<DB>, caller: Caller): Promise<WebFormRow[]> {
  return repository.findForms(db, caller.workspaceId);
}

export interface SubmissionOutcome {
  form: WebFormRow;
  /** Null when the post was dropped as spam. */
  leadId: number | null;
  created: boolean;
}

async function storeSubmission(
  trx: Kysely<DB>,
  form: WebFormRow,
  submission: Submission,
  now: Date,
): Promise<{ leadId: number; created: boolean }> {
  const workspaceId = form.workspace_id;
  const existing = await repository.findLeadByEmailForUpdate(trx, workspaceId, submission.email);
  let leadId: number;
  let created = false;
  if (existing) {
    // What the person typed now is the latest word on them; fields left empty change nothing.
    await leadsRepository.updateLead(trx, workspaceId, existing.id, {
      ...submission.lead,
      ...(Object.keys(submission.custom_fields).length
        ? { custom_fields: JSON.stringify({ ...existing.custom_fields, ...submission.custom_fields }) }
        : {}),
    });
    leadId = existing.id;
  } else {
    const lead = await leadsRepository.insertLead(trx, {
      workspace_id: workspaceId,
      email: submission.email,
      ...submission.lead,
      custom_fields: JSON.stringify(submission.custom_fields),
      source: form.source ?? 'web form',
      source_detail: form.name,
      stage: 'lead',
      created_at: now,
      lead_at: now,
    });
    await insertLifecycleEvent(trx, {
      workspace_id: workspaceId,
      lead_id: lead.id,
      from_stage: null,
      to_stage: 'lead',
      occurred_at: now,
      actor_id: null,
      origin: 'form',
      reason: `form ${form.key}`,
    });
    leadId = lead.id;
    created = true;
  }
  const campaign = form.campaign_id
    ? await repository.campaignChannel(trx, workspaceId, form.campaign_id)
    : undefined;
  // Through the touchpoints module's write path: lead UTM fields, score, MQL and routing follow.
  await recordTouchpoints(trx, workspaceId, [
    {
      external_id: null,
      lead_id: leadId,
      type: 'form_fill',
      occurred_at: now,
      channel: campaign?.channel ?? null,
      campaign_id: campaign?.id ?? null,
      utm_source: submission.utm.utm_source ?? null,
      utm_medium: submission.utm.utm_medium ?? null,
      utm_campaign: submission.utm.utm_campaign ?? null,
      utm_term: submission.utm.utm_term ?? null,
      utm_content: submission.utm.utm_content ?? null,
      content_id: null,
      metadata: {
        form_id: form.id,
        form_key: form.key,
        form_name: form.name,
        referrer: submission.referrer,
        page_url: submission.page_url,
        ...(Object.keys(submission.extra).length ? { fields: submission.extra } : {}),
      },
    },
  ]);
  return { leadId, created };
}

/**
 * A public form post: creates or updates the lead by email and records a form_fill
 * touchpoint, in one transaction. A filled honeypot gives the same outcome with nothing
 * stored. Two first posts with the same new email at once: the loser retries and updates.
 */
export async function submitForm(
  db: Kysely<DB>,
  formKey: string,
  body: unknown,
  context: { query?: Record<string, unknown>; refererHeader?: string | undefined },
  now = new Date(),
): Promise<SubmissionOutcome> {
  const form = await repository.getFormByKey(db, formKey);
  if (!form?.active) throw new AppError('FORM_NOT_FOUND', `No active form with the key "${formKey}"`);
  const { submission, issues } = readSubmission(body, form, context);
  if (!submission) throw validationError(issues);
  if (submission.spam) return { form, leadId: null, created: false };
  for (let attempt = 1; ; attempt++) {
    try {
      const stored = await db.transaction().execute((trx) => storeSubmission(trx, form, submission, now));
      return { form, ...stored };
    } catch (error) {
      if (attempt < 2 && error instanceof AppError && error.code === 'ALREADY_EXISTS') continue;
      throw error;
    }
  }
}
