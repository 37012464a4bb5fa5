import type { FieldIssue } from '../../shared/errors.ts';

// A browser form post (or its JSON equivalent) turned into lead fields, UTM parameters and
// the rest, without I/O. forms.service.ts does the writing.

/** Lead fields a form may fill in; a form field with one of these names maps to it by itself. */
export const FORM_LEAD_FIELDS = [
  'email',
  'first_name',
  'last_name',
  'title',
  'phone',
  'company',
  'country',
  'region',
  'industry',
  'employees',
] as const;
export type FormLeadField = (typeof FORM_LEAD_FIELDS)[number];

export const UTM_FIELDS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
export type UtmField = (typeof UTM_FIELDS)[number];

/** Fields the form handling reads itself; never mapped to the lead. */
export const RESERVED_FIELDS = new Set<string>([...UTM_FIELDS, 'referrer', 'page_url']);

const CUSTOM_PREFIX = 'custom_fields.';
const MAX_FIELDS = 100;
const MAX_VALUE_LENGTH = 5000;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Whether a mapping target is a lead field a form may write: a listed column or custom_fields.<key>. */
export function isMappingTarget(target: string): boolean {
  if ((FORM_LEAD_FIELDS as readonly string[]).includes(target)) return true;
  if (!target.startsWith(CUSTOM_PREFIX)) return false;
  const key = target.slice(CUSTOM_PREFIX.length);
  return key.length > 0 && key.length <= 100;
}

export function mappingIssues(mapping: Record<string, string>, honeypotField: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const [field, target] of Object.entries(mapping)) {
    if (!isMappingTarget(target)) {
      issues.push({
        path: `field_mapping.${field}`,
        message: `"${target}" is not a lead field a form can fill (${FORM_LEAD_FIELDS.join(', ')} or custom_fields.<key>)`,
      });
    }
    if (RESERVED_FIELDS.has(field) || field === honeypotField) {
      issues.push({
        path: `field_mapping.${field}`,
        message: `"${field}" is read by the form handling itself`,
      });
    }
  }
  return issues;
}

export interface FormDefinition {
  field_mapping: Record<string, string>;
  honeypot_field: string;
}

export interface Submission {
  /** The honeypot was filled in: answer as usual, store nothing. */
  spam: boolean;
  email: string;
  lead: Partial<Record<Exclude<FormLeadField, 'email' | 'employees'>, string>> & { employees?: number };
  custom_fields: Record<string, string>;
  utm: Partial<Record<UtmField, string>>;
  referrer: string | null;
  page_url: string | null;
  /** Fields the form sent that map to nothing; kept on the touchpoint so nothing is dropped. */
  extra: Record<string, string>;
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    const parts = value.map(text).filter((part): part is string => part !== null && part !== '');
    return parts.length ? parts.join(', ') : null;
  }
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/**
 * Reads a posted form: flattens repeated fields (checkboxes) into "a, b", accepts JSON with
 * the fields at the top level or under "fields", maps fields to the lead, and checks what a
 * lead needs. UTM parameters may also come from the query string of the post URL, the
 * referrer from the Referer header.
 */
export function readSubmission(
  body: unknown,
  form: FormDefinition,
  context: { query?: Record<string, unknown>; refererHeader?: string | undefined } = {},
): { submission: Submission | null; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return {
      submission: null,
      issues: [{ path: '(body)', message: 'send the form fields as a form post or a JSON object' }],
    };
  }
  const raw: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  const nested = raw.fields;
  if (typeof nested === 'object' && nested !== null && !Array.isArray(nested)) {
    delete raw.fields;
    Object.assign(raw, nested);
  }
  const entries = Object.entries(raw);
  if (entries.length > MAX_FIELDS) issues.push({ path: '(body)', message: `more than ${MAX_FIELDS} fields` });
  const values = new Map<string, string>();
  for (const [name, value] of entries) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      issues.push({ path: name, message: 'must be a text value' });
      continue;
    }
    const flat = text(value);
    if (flat === null || flat === '') continue;
    if (flat.length > MAX_VALUE_LENGTH) {
      issues.push({ path: name, message: `longer than ${MAX_VALUE_LENGTH} characters` });
      continue;
    }
    values.set(name, flat);
  }
  const spam = (values.get(form.honeypot_field) ?? '') !== '';
  values.delete(form.honeypot_field);

  const utm: Submission['utm'] = {};
  for (const field of UTM_FIELDS) {
    const value = values.get(field) ?? text(context.query?.[field]);
    if (value) utm[field] = value.slice(0, 500);
  }
  const referrer = values.get('referrer') ?? (context.refererHeader?.trim() || null);
  const pageUrl = values.get('page_url') ?? null;

  const lead: Submission['lead'] = {};
  const custom: Record<string, string> = {};
  const extra: Record<string, string> = {};
  let email: string | null = null;
  for (const [name, value] of values) {
    if (RESERVED_FIELDS.has(name)) continue;
    const target =
      form.field_mapping[name] ?? ((FORM_LEAD_FIELDS as readonly string[]).includes(name) ? name : null);
    if (target === null) {
      extra[name] = value;
    } else if (target.startsWith(CUSTOM_PREFIX)) {
      custom[target.slice(CUSTOM_PREFIX.length)] = value;
    } else if (target === 'email') {
      email = value.toLowerCase();
    } else if (target === 'employees') {
      const digits = value.replace(/[\s,._']/g, '');
      if (/^\d{1,9}$/.test(digits)) lead.employees = Number(digits);
      else issues.push({ path: name, message: 'must be a whole number of employees' });
    } else {
      lead[target as Exclude<FormLeadField, 'email' | 'employees'>] = value.slice(0, 300);
    }
  }
  const emailField =
    Object.entries(form.field_mapping).find(([, target]) => target === 'email')?.[0] ?? 'email';
  if (email === null) issues.push({ path: emailField, message: 'is required' });
  else if (email.length > 320 || !EMAIL_RE.test(email))
    issues.push({ path: emailField, message: 'is not an email address' });
  // A bot that fills the honeypot gets the normal answer even when the rest is invalid.
  if (spam) {
    return {
      submission: {
        spam,
        email: email ?? '',
        lead,
        custom_fields: custom,
        utm,
        referrer,
        page_url: pageUrl,
        extra,
      },
      issues: [],
    };
  }
  if (issues.length || email === null) return { submission: null, issues };
  return {
    submission: { spam, email, lead, custom_fields: custom, utm, referrer, page_url: pageUrl, extra },
    issues,
  };
}

/** The snippet docs/FORMS.md describes, for one form. */
export function htmlSnippet(actionUrl: string, honeypotField: string): string {
  return `<form action="${actionUrl}" method="post">
  <label>Email <input type="email" name="email" required></label>
  <label>First name <input name="first_name"></label>
  <label>Last name <input name="last_name"></label>
  <label>Company <input name="company"></label>
  <label>Job title <input name="title"></label>
  <!-- Leave empty: people never see it, bots fill it in. -->
  <div style="position:absolute;left:-10000px" aria-hidden="true">
    <input name="${honeypotField}" tabindex="-1" autocomplete="off">
  </div>
  <input type="hidden" name="utm_source"><input type="hidden" name="utm_medium">
  <input type="hidden" name="utm_campaign"><input type="hidden" name="utm_term">
  <input type="hidden" name="utm_content"><input type="hidden" name="referrer">
  <input type="hidden" name="page_url">
  <button type="submit">Send</button>
</form>
<script>
  (function () {
    var form = document.currentScript.previousElementSibling;
    var params = new URLSearchParams(window.location.search);
    ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'].forEach(function (name) {
      if (params.get(name)) form.elements[name].value = params.get(name);
    });
    form.elements.referrer.value = document.referrer;
    form.elements.page_url.value = window.location.href;
  })();
</script>`;
}
