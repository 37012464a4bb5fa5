import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext, type TestUser } from '../../testing/harness.ts';
import { failInterruptedImports } from './imports.service.ts';

let ctx: TestContext;
let rep: TestUser;
let marketer: TestUser;

beforeAll(async () => {
  ctx = await createTestContext();
  rep = await ctx.user('sales');
  marketer = await ctx.user('marketing');
});
afterAll(async () => ctx?.close());

function multipart(fields: Record<string, string>, files: { name: string; content: string }[]) {
  const boundary = `----tandem${randomBytes(8).toString('hex')}`;
  let body = '';
  for (const [name, value] of Object.entries(fields)) {
    body += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  for (const file of files) {
    body +=
      `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${file.name}"\r\n` +
      `Content-Type: text/csv\r\n\r\n${file.content}\r\n`;
  }
  body += `--${boundary}--\r\n`;
  return { payload: body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

async function upload(
  user: TestUser,
  fields: Record<string, string>,
  files: { name: string; content: string }[],
) {
  const { payload, headers } = multipart(fields, files);
  return ctx.app.inject({
    method: 'POST',
    url: '/api/v1/imports',
    payload,
    headers: { ...headers, ...user.headers },
  });
}

async function get(url: string, user: TestUser = ctx.admin) {
  return ctx.app.inject({ method: 'GET', url, headers: user.headers });
}

/** Polls the status endpoint as a client would, until the import is done. */
async function waitFor(id: number) {
  for (let attempt = 0; attempt < 600; attempt++) {
    const body = (await get(`/api/v1/imports/${id}`)).json();
    if (body.status === 'completed' || body.status === 'failed') return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`import ${id} did not finish`);
}

const LEADS = [
  'external_id,email,first_name,mql_at',
  'W1,web1@example.com,One,2026-01-05T10:00:00Z',
  'W2,not-an-email,Two,',
  'W3,web3@example.com,Three,2026-02-30',
  'W4,web4@example.com,Four,',
].join('\n');
const TOUCHPOINTS = [
  'external_id,lead_external_id,type,occurred_at',
  'WT1,W1,page_view,2026-01-06T10:00:00Z',
  'WT2,W2,page_view,2026-01-06T10:00:00Z',
].join('\n');

describe('POST /api/v1/imports', () => {
  it('answers 202 at once, runs in the background, and reports progress, rejections and a CSV of them', async () => {
    const response = await upload(marketer, { format: 'tandem' }, [
      { name: 'touchpoints.csv', content: TOUCHPOINTS },
      { name: 'leads.csv', content: LEADS },
    ]);
    expect(response.statusCode).toBe(202);
    const created = response.json();
    expect(created).toMatchObject({ format: 'tandem', status: 'queued', created_by: marketer.id });

    const done = await waitFor(created.id);
    expect(done).toMatchObject({
      status: 'completed',
      rows_total: 6,
      rows_read: 6,
      created: 3,
      updated: 0,
      rejected: 3,
      progress: 1,
      error: null,
      by_resource: { leads: { created: 2, updated: 0 }, touchpoints: { created: 1, updated: 0 } },
    });
    expect(done.files.map((file: { name: string }) => file.name)).toEqual(['leads.csv', 'touchpoints.csv']);

    const list = (await get('/api/v1/imports')).json();
    expect(list.items[0].id).toBe(created.id);

    const first = (await get(`/api/v1/imports/${created.id}/rejections?limit=2`)).json();
    expect(first.items.map((row: { file: string; line: number }) => `${row.file}:${row.line}`)).toEqual([
      'leads.csv:3',
      'leads.csv:4',
    ]);
    expect(first.items[0]).toMatchObject({
      reason: 'email: "not-an-email" is not an email address',
      raw: 'W2,not-an-email,Two,',
    });
    const second = (
      await get(`/api/v1/imports/${created.id}/rejections?limit=2&cursor=${first.next_cursor}`)
    ).json();
    expect(second.items).toEqual([
      expect.objectContaining({
        file: 'touchpoints.csv',
        line: 3,
        reason: 'lead_external_id: no lead with external_id "W2"',
      }),
    ]);
    expect(second.next_cursor).toBeNull();

    const csv = await get(`/api/v1/imports/${created.id}/rejections.csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\n')[0]).toBe('file,line,reason,raw');
    expect(csv.body).toContain('leads.csv,4,"mql_at: ""2026-02-30"" is not a date (month 2 has no day 30)",');

    const leads = await sql<{
      n: number;
    }>`select count(*)::int as n from leads where workspace_id = ${ctx.workspaceId}`.execute(ctx.database.db);
    expect(leads.rows[0]?.n).toBe(2);
  });

  it('refuses bad requests before anything runs', async () => {
    const noFormat = await upload(ctx.admin, {}, [{ name: 'leads.csv', content: LEADS }]);
    expect(noFormat.statusCode).toBe(400);
    expect(noFormat.json().error.issues[0].path).toBe('format');
    const badFormat = await upload(ctx.admin, { format: 'excel' }, [{ name: 'leads.csv', content: LEADS }]);
    expect(badFormat.statusCode).toBe(400);
    expect(badFormat.json().error.message).toContain('format: "excel" is not one of');
    const noFiles = await upload(ctx.admin, { format: 'tandem' }, []);
    expect(noFiles.statusCode).toBe(400);
    expect(noFiles.json().error.issues[0].path).toBe('files');
    const badColumn = await upload(ctx.admin, { format: 'tandem' }, [
      { name: 'leads.csv', content: 'email,emial\na@example.com,x' },
    ]);
    expect(badColumn.statusCode).toBe(400);
    expect(badColumn.json().error.message).toContain('leads.csv: unknown column "emial"');
    const notJson = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      headers: ctx.admin.headers,
      payload: { format: 'tandem' },
    });
    expect(notJson.statusCode).toBe(400);
  });

  it('lets only admins and marketing import or see imports', async () => {
    const response = await upload(rep, { format: 'tandem' }, [{ name: 'leads.csv', content: LEADS }]);
    expect(response.statusCode).toBe(403);
    expect((await get('/api/v1/imports', rep)).statusCode).toBe(403);
    const users = await upload(marketer, { format: 'tandem' }, [
      { name: 'users.csv', content: 'email,name,role\nadmin3@example.com,Admin Three,admin' },
    ]);
    expect(users.statusCode).toBe(403);
    expect((await get('/api/v1/imports/999999')).statusCode).toBe(404);
  });
});

describe('interrupted imports', () => {
  it('marks an import whose process stopped as failed instead of running forever', async () => {
    const db = ctx.database.db;
    const stale = await db
      .insertInto('imports')
      .values({
        workspace_id: ctx.workspaceId,
        format: 'tandem',
        status: 'running',
        heartbeat_at: sql<Date>`now() - interval '10 minutes'`,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const fresh = await db
      .insertInto('imports')
      .values({
        workspace_id: ctx.workspaceId,
        format: 'tandem',
        status: 'running',
        heartbeat_at: sql<Date>`now()`,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const body = (await get(`/api/v1/imports/${stale.id}`)).json();
    expect(body.status).toBe('failed');
    expect(body.error).toContain('interrupted');
    // A live one (fresh heartbeat) is left alone while other instances may be running it...
    expect((await get(`/api/v1/imports/${fresh.id}`)).json().status).toBe('running');
    // ...but at start-up of the embedded store, which only one process can hold, none is live.
    expect(await failInterruptedImports(db, 'startup-embedded')).toBe(1);
    expect((await get(`/api/v1/imports/${fresh.id}`)).json().status).toBe('failed');
  });
});

describe('GET /api/v1/exports/:resource', () => {
  it('streams the native columns as CSV or JSON to admins, marketing and executives', async () => {
    const csv = await get('/api/v1/exports/leads?format=csv', marketer);
    expect(csv.statusCode).toBe(200);
    const [header, ...rows] = csv.body.trim().split('\n');
    expect(header?.startsWith('external_id,email,first_name,last_name')).toBe(true);
    expect(rows.some((row) => row.startsWith('W1,web1@example.com,One'))).toBe(true);
    const json = await get('/api/v1/exports/touchpoints?format=json');
    expect(json.json()).toEqual([
      expect.objectContaining({ external_id: 'WT1', lead_external_id: 'W1', type: 'page_view' }),
    ]);
    expect((await get('/api/v1/exports/leads', rep)).statusCode).toBe(403);
    expect((await get('/api/v1/exports/widgets')).statusCode).toBe(400);
  });
});
