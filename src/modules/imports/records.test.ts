import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countDataRows, readSmallCsv } from './csv.ts';
import { NATIVE_COLUMNS } from './formats/tandem.ts';
import { RESOURCES, resourceFromFileName } from './imports.ts';
import {
  identityKeys,
  validateActivity,
  validateCampaign,
  validateLead,
  validateOpportunity,
  validateTouchpoint,
  validateUser,
} from './records.ts';

describe('native row validation', () => {
  it('reads a lead with references, stage history and custom fields', () => {
    const result = validateLead({
      external_id: 'L1',
      email: 'Lead1@Example.com',
      owner_email: 'rep@example.com',
      account_name: 'Acme',
      employees: '250',
      mql_at: '2026-01-05T10:00:00Z',
      custom_fields: '{"tier":"gold"}',
      'custom.region_code': 'EU-W',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.email).toBe('lead1@example.com');
    expect(result.value.owner).toEqual({ email: 'rep@example.com' });
    expect(result.value.account).toEqual({ name: 'Acme' });
    expect(result.value.employees).toBe(250);
    expect(result.value.history).toEqual({ mql: Date.UTC(2026, 0, 5, 10) });
    expect(result.value.custom).toEqual({ tier: 'gold', region_code: 'EU-W' });
  });

  it('names the column and the problem of the first bad cell', () => {
    const cases: [ReturnType<typeof validateLead>, string, string][] = [
      [validateLead({ email: 'not-an-email' }), 'email', 'is not an email address'],
      [validateLead({ email: 'a@example.com', stage: 'prospect' }), 'stage', 'is not one of subscriber'],
      [validateLead({ email: 'a@example.com', sql_at: '2026-02-30' }), 'sql_at', 'month 2 has no day 30'],
      [validateLead({ email: 'a@example.com', employees: '-3' }), 'employees', 'is below 0'],
      [validateLead({ first_name: 'First' }), 'email', 'needs an email or an external_id'],
    ];
    for (const [result, field, message] of cases) {
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.field).toBe(field);
        expect(result.error.message).toContain(message);
      }
    }
  });

  it('checks enums and required columns of the other resources', () => {
    const touch = validateTouchpoint({ lead_external_id: 'L1', type: 'fax', occurred_at: '2026-01-01' });
    expect(!touch.ok && touch.error.field).toBe('type');
    const noLead = validateTouchpoint({ type: 'chat', occurred_at: '2026-01-01' });
    expect(!noLead.ok && noLead.error.field).toBe('lead_external_id');
    const activity = validateActivity({ email: 'a@example.com', type: 'call' });
    expect(!activity.ok && activity.error).toEqual({ field: 'occurred_at', message: 'is required' });
    const user = validateUser({ email: 'u@example.com', name: 'U', role: 'chief' });
    expect(!user.ok && user.error.field).toBe('role');
    const campaign = validateCampaign({
      name: 'C',
      channel: 'email',
      start_date: '2026-03-01',
      end_date: '2026-02-01',
    });
    expect(!campaign.ok && campaign.error.field).toBe('end_date');
  });

  it('needs a moment for a closed deal and takes it from close_date', () => {
    const missing = validateOpportunity({ name: 'D', status: 'won' });
    expect(!missing.ok && missing.error.field).toBe('closed_at');
    const dated = validateOpportunity({
      name: 'D',
      status: 'Lost',
      close_date: '2026-04-01',
      contact_external_ids: 'a; b',
    });
    expect(dated.ok && dated.value.closedAt).toBe(Date.UTC(2026, 3, 1));
    expect(dated.ok && dated.value.status).toBe('lost');
    expect(dated.ok && dated.value.stage).toBeUndefined();
    expect(dated.ok && dated.value.contacts).toEqual([{ externalId: 'a' }, { externalId: 'b' }]);
  });

  it('identifies rows for the duplicate check by external_id, email, or the fact itself', () => {
    const lead = validateLead({ external_id: 'L1', email: 'a@example.com' });
    expect(lead.ok && identityKeys('leads', lead.value)).toEqual([
      ['external_id', 'L1'],
      ['email', 'a@example.com'],
    ]);
    const touch = validateTouchpoint({ email: 'a@example.com', type: 'chat', occurred_at: '2026-01-01' });
    expect(touch.ok && identityKeys('touchpoints', touch.value)[0]?.[0]).toBe('lead, type and occurred_at');
  });
});

describe('files', () => {
  it('tells the resource from the file name', () => {
    expect(resourceFromFileName('/x/leads.csv')).toBe('leads');
    expect(resourceFromFileName('Touchpoints-2026.csv')).toBe('touchpoints');
    expect(resourceFromFileName('opportunity.csv')).toBe('opportunities');
    expect(resourceFromFileName('export.csv')).toBeNull();
  });

  it('numbers rows by the line they start on, across blank lines, quoted line breaks, CRLF and a BOM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-csv-'));
    const path = join(dir, 'leads.csv');
    writeFileSync(
      path,
      '\uFEFFemail;note\r\na@example.com;one\r\n\r\n"b@example.com";"two\r\nlines"\r\nc@example.com;three\r\n',
    );
    const csv = await readSmallCsv(path, 'leads.csv');
    expect(csv.header).toEqual(['email', 'note']);
    expect(csv.rows.map((row) => [row.line, row.cells[0]])).toEqual([
      [2, 'a@example.com'],
      [4, 'b@example.com'],
      [6, 'c@example.com'],
    ]);
    expect(csv.rows[1]?.cells[1]).toBe('two\r\nlines');
    expect(csv.rows[0]?.raw).toBe('a@example.com;one');
    expect(await countDataRows(path)).toBe(5);

    const lf = join(dir, 'touchpoints.csv');
    writeFileSync(lf, 'a,b\n1,2\n\n\n"x\ny\nz",3\n4,5');
    const rows = (await readSmallCsv(lf, 'touchpoints.csv')).rows;
    expect(rows.map((row) => row.line)).toEqual([2, 5, 8]);
    expect(rows[1]?.raw).toBe('"x\ny\nz",3');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('docs/IMPORT.md', () => {
  it('documents every column of every native file', () => {
    const doc = readFileSync('docs/IMPORT.md', 'utf8');
    for (const resource of RESOURCES) {
      const start = doc.indexOf(`#### ${resource}.csv`);
      expect(start, `${resource}.csv section`).toBeGreaterThan(0);
      const end = doc.indexOf('\n#', start + 1);
      const section = doc.slice(start, end);
      for (const column of NATIVE_COLUMNS[resource]) {
        expect(section, `${resource}.${column.name}`).toContain(`| \`${column.name}\` |`);
      }
    }
  });
});
