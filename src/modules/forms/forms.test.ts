import { describe, expect, it } from 'vitest';
import { parseFormBody } from './forms.routes.ts';
import { mappingIssues, readSubmission } from './forms.ts';

const form = {
  field_mapping: { job_title: 'title', budget: 'custom_fields.budget', mail: 'email' },
  honeypot_field: 'website',
};

describe('form posts', () => {
  it('parses a urlencoded body, repeated names becoming a list', () => {
    expect(parseFormBody('email=a%40b.co&x=1&x=2&x=3&name=A+B')).toEqual({
      email: 'a@b.co',
      x: ['1', '2', '3'],
      name: 'A B',
    });
  });

  it('maps fields, keeps UTM and referrer apart, and keeps unmapped fields as extras', () => {
    const { submission, issues } = readSubmission(
      {
        mail: ' Ana@Example.COM ',
        first_name: 'Ana',
        job_title: 'VP Sales',
        employees: '1,200',
        budget: '10k',
        utm_source: 'google',
        interests: ['a', 'b'],
        message: '',
        website: '',
      },
      form,
      {
        query: { utm_campaign: 'spring', utm_source: 'ignored' },
        refererHeader: 'https://example.com/pricing',
      },
    );
    expect(issues).toEqual([]);
    expect(submission).toEqual({
      spam: false,
      email: 'ana@example.com',
      lead: { first_name: 'Ana', title: 'VP Sales', employees: 1200 },
      custom_fields: { budget: '10k' },
      utm: { utm_source: 'google', utm_campaign: 'spring' },
      referrer: 'https://example.com/pricing',
      page_url: null,
      extra: { interests: 'a, b' },
    });
  });

  it('accepts JSON with the fields nested under "fields"', () => {
    const { submission } = readSubmission(
      { fields: { email: 'x@y.io', company: 'Y' }, referrer: 'r' },
      { field_mapping: {}, honeypot_field: 'website' },
    );
    expect(submission).toMatchObject({ email: 'x@y.io', lead: { company: 'Y' }, referrer: 'r' });
  });

  it('names the field that is missing or wrong', () => {
    expect(readSubmission({ first_name: 'A' }, form).issues).toEqual([
      { path: 'mail', message: 'is required' },
    ]);
    expect(readSubmission({ mail: 'nope', employees: 'many' }, form).issues).toEqual([
      { path: 'employees', message: 'must be a whole number of employees' },
      { path: 'mail', message: 'is not an email address' },
    ]);
    expect(readSubmission({ mail: 'a@b.co', nested: { x: 1 } }, form).issues).toEqual([
      { path: 'nested', message: 'must be a text value' },
    ]);
  });

  it('marks a filled honeypot as spam even when the rest is invalid', () => {
    const { submission, issues } = readSubmission({ website: 'http://spam.example' }, form);
    expect(issues).toEqual([]);
    expect(submission?.spam).toBe(true);
  });

  it('refuses mappings to columns forms cannot write, or from reserved fields', () => {
    expect(
      mappingIssues(
        { a: 'score', utm_source: 'title', website: 'company', b: 'custom_fields.x' },
        'website',
      ).map((i) => i.path),
    ).toEqual(['field_mapping.a', 'field_mapping.utm_source', 'field_mapping.website']);
  });
});
