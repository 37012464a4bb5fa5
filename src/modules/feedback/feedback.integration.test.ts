import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext, type TestUser } from '../../testing/harness.ts';

let context: TestContext;
let rep: TestUser;
let otherRep: TestUser;
let marketer: TestUser;
let webinarCampaign: number;
let adsCampaign: number;
let counter = 0;

beforeAll(async () => {
  context = await createTestContext();
  rep = await context.user('sdr', { name: 'SDR 01' });
  otherRep = await context.user('sdr', { name: 'SDR 02' });
  marketer = await context.user('marketing', { name: 'Marketing Ops 01' });
  const campaigns = await context.database.db
    .insertInto('campaigns')
    .values([
      {
        workspace_id: context.workspaceId,
        name: 'Spring webinar',
        channel: 'webinar',
        owner_id: marketer.id,
      },
      { workspace_id: context.workspaceId, name: 'Search ads', channel: 'paid_search' },
    ])
    .returning('id')
    .execute();
  webinarCampaign = campaigns[0]?.id ?? 0;
  adsCampaign = campaigns[1]?.id ?? 0;
});

afterAll(async () => {
  await context?.close();
});

async function handedOffLead(
  fields: { source?: string; campaign?: number; owner?: TestUser; stage?: string } = {},
): Promise<number> {
  counter += 1;
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/v1/leads',
    headers: context.admin.headers,
    payload: {
      email: `lead${counter}@buyer.example`,
      stage: fields.stage ?? 'mql',
      owner_id: (fields.owner ?? rep).id,
      source: fields.source ?? 'web',
      first_campaign_id: fields.campaign ?? null,
    },
  });
  expect(response.statusCode).toBe(201);
  return response.json().id;
}

const post = (url: string, user: TestUser, payload: unknown) =>
  context.app.inject({
    method: 'POST',
    url,
    headers: user.headers,
    payload: payload as Record<string, unknown>,
  });

describe('rejection reasons', () => {
  it('start with the default list, "other" needing a note', async () => {
    const response = await context.app.inject({
      method: 'GET',
      url: '/api/v1/rejection-reasons',
      headers: rep.headers,
    });
    expect(response.statusCode).toBe(200);
    const reasons = response.json().items;
    expect(reasons.map((r: { code: string }) => r.code)).toEqual([
      'bad_contact_data',
      'not_ideal_customer',
      'no_budget',
      'student_or_job_seeker',
      'competitor',
      'duplicate',
      'no_need',
      'other',
    ]);
    expect(
      reasons.filter((r: { requires_note: boolean }) => r.requires_note).map((r: { code: string }) => r.code),
    ).toEqual(['other']);
  });

  it('are edited by admins only', async () => {
    expect(
      (await post('/api/v1/rejection-reasons', rep, { code: 'too_small', label: 'Too small' })).statusCode,
    ).toBe(403);
    const created = await post('/api/v1/rejection-reasons', context.admin, {
      code: 'too_small',
      label: 'Too small',
      position: 9,
    });
    expect(created.statusCode).toBe(201);
    expect(
      (await post('/api/v1/rejection-reasons', context.admin, { code: 'too_small', label: 'Again' }))
        .statusCode,
    ).toBe(409);
    const bad = await post('/api/v1/rejection-reasons', context.admin, { code: 'Too Small!', label: 'x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.issues[0].path).toBe('code');
    const retired = await context.app.inject({
      method: 'PATCH',
      url: `/api/v1/rejection-reasons/${created.json().id}`,
      headers: context.admin.headers,
      payload: { active: false },
    });
    expect(retired.json().active).toBe(false);
    const lead = await handedOffLead();
    const refused = await post(`/api/v1/leads/${lead}/reject`, rep, {
      reason_code: 'too_small',
      outcome: 'recycled',
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.issues[0].path).toBe('reason_code');
  });
});

describe('accepting a lead', () => {
  it('moves it to SAL and records who decided', async () => {
    const lead = await handedOffLead();
    const response = await post(`/api/v1/leads/${lead}/accept`, rep, { note: 'good fit' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.lead.stage).toBe('sal');
    expect(body.lead.owner_id).toBe(rep.id);
    expect(body.feedback).toMatchObject({
      decision: 'accepted',
      owner_id: rep.id,
      decided_by: rep.id,
      note: 'good fit',
    });
    const events = await context.database.db
      .selectFrom('lifecycle_events')
      .select(['from_stage', 'to_stage', 'actor_id'])
      .where('lead_id', '=', lead)
      .orderBy('id')
      .execute();
    expect(events.at(-1)).toEqual({ from_stage: 'mql', to_stage: 'sal', actor_id: rep.id });
    // Accepting twice is a conflict.
    expect((await post(`/api/v1/leads/${lead}/accept`, rep, {})).statusCode).toBe(409);
  });

  it('is refused to other reps, and for unknown leads', async () => {
    const lead = await handedOffLead();
    const response = await post(`/api/v1/leads/${lead}/accept`, otherRep, {});
    expect(response.statusCode).toBe(403);
    expect(response.json().error.message).toContain(`belongs to user ${rep.id}`);
    expect((await post('/api/v1/leads/999999/accept', rep, {})).statusCode).toBe(404);
    // An admin may decide on the owner's behalf.
    expect((await post(`/api/v1/leads/${lead}/accept`, context.admin, {})).statusCode).toBe(200);
  });
});

describe('rejecting a lead', () => {
  it('needs a note for "other" and a known reason', async () => {
    const lead = await handedOffLead();
    const noNote = await post(`/api/v1/leads/${lead}/reject`, rep, {
      reason_code: 'other',
      outcome: 'recycled',
    });
    expect(noNote.statusCode).toBe(400);
    expect(noNote.json().error.issues[0].path).toBe('note');
    const unknown = await post(`/api/v1/leads/${lead}/reject`, rep, {
      reason_code: 'bored',
      outcome: 'recycled',
    });
    expect(unknown.statusCode).toBe(400);
    const badOutcome = await post(`/api/v1/leads/${lead}/reject`, rep, {
      reason_code: 'no_need',
      outcome: 'deleted',
    });
    expect(badOutcome.statusCode).toBe(400);
    expect(badOutcome.json().error.issues[0].path).toBe('outcome');
    const nothing = await context.database.db
      .selectFrom('lead_feedback')
      .select('id')
      .where('lead_id', '=', lead)
      .execute();
    expect(nothing).toEqual([]);
  });

  it('sends a recycled lead back to marketing and queues lead.rejected and lead.recycled in the same transaction', async () => {
    const lead = await handedOffLead({ campaign: webinarCampaign });
    const response = await post(`/api/v1/leads/${lead}/reject`, rep, {
      reason_code: 'other',
      note: 'asked only for a price list',
      outcome: 'recycled',
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.lead).toMatchObject({ stage: 'recycled', owner_id: null, lead_status: 'rejected: other' });
    expect(body.feedback).toMatchObject({
      decision: 'rejected',
      reason_code: 'other',
      outcome: 'recycled',
      owner_id: rep.id,
    });
    const notifications = await context.database.db
      .selectFrom('notifications')
      .select(['event', 'recipient_user_id', 'payload', 'idempotency_key'])
      .where('lead_id', '=', lead)
      .orderBy('id')
      .execute();
    expect(notifications.map((n) => n.event)).toEqual(['lead.rejected', 'lead.recycled']);
    // The campaign's owner in marketing is told.
    expect(notifications.map((n) => n.recipient_user_id)).toEqual([marketer.id, marketer.id]);
    expect(notifications[0]?.payload).toMatchObject({
      reason_code: 'other',
      note: 'asked only for a price list',
      rejected_by_user_id: rep.id,
    });
  });

  it('disqualifies without a recycled notification', async () => {
    const lead = await handedOffLead({ campaign: adsCampaign });
    const response = await post(`/api/v1/leads/${lead}/reject`, rep, {
      reason_code: 'competitor',
      outcome: 'disqualified',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().lead.stage).toBe('disqualified');
    const events = await context.database.db
      .selectFrom('notifications')
      .select('event')
      .where('lead_id', '=', lead)
      .execute();
    expect(events.map((e) => e.event)).toEqual(['lead.rejected']);
  });

  it('refuses leads that are not handed off, writing nothing', async () => {
    const lead = await handedOffLead({ stage: 'sql' });
    const response = await post(`/api/v1/leads/${lead}/reject`, rep, {
      reason_code: 'no_need',
      outcome: 'recycled',
    });
    expect(response.statusCode).toBe(409);
    const written = await context.database.db
      .selectFrom('notifications')
      .select('id')
      .where('lead_id', '=', lead)
      .execute();
    expect(written).toEqual([]);
  });
});

describe('lead quality report', () => {
  it('groups acceptance and rejection reasons by source and campaign', async () => {
    // Start from a clean slate so the figures below are the whole story.
    await context.database.db.deleteFrom('lead_feedback').execute();
    // webinar campaign (source "webinar"): 3 accepted, 1 rejected (no_budget)
    // ads campaign (source "ads"): 1 accepted, 2 rejected (student_or_job_seeker x2), 1 rejected (no_need)
    for (let i = 0; i < 3; i++) {
      const lead = await handedOffLead({ source: 'webinar', campaign: webinarCampaign });
      expect((await post(`/api/v1/leads/${lead}/accept`, rep, {})).statusCode).toBe(200);
    }
    const webinarReject = await handedOffLead({ source: 'webinar', campaign: webinarCampaign });
    await post(`/api/v1/leads/${webinarReject}/reject`, rep, {
      reason_code: 'no_budget',
      outcome: 'recycled',
    });
    const adsAccept = await handedOffLead({ source: 'ads', campaign: adsCampaign });
    await post(`/api/v1/leads/${adsAccept}/accept`, rep, {});
    for (const code of ['student_or_job_seeker', 'student_or_job_seeker', 'no_need']) {
      const lead = await handedOffLead({ source: 'ads', campaign: adsCampaign });
      expect(
        (await post(`/api/v1/leads/${lead}/reject`, rep, { reason_code: code, outcome: 'disqualified' }))
          .statusCode,
      ).toBe(200);
    }

    const response = await context.app.inject({
      method: 'GET',
      url: '/api/v1/reports/lead-quality',
      headers: marketer.headers,
    });
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report.total).toMatchObject({ decisions: 8, accepted: 4, rejected: 4, acceptance_rate: 0.5 });
    expect(report.total.reasons).toEqual([
      { code: 'student_or_job_seeker', label: 'Student or job seeker', count: 2, share: 0.5 },
      { code: 'no_budget', label: 'No budget', count: 1, share: 0.25 },
      { code: 'no_need', label: 'No need', count: 1, share: 0.25 },
    ]);
    const webinar = report.groups.find((g: { campaign_id: number }) => g.campaign_id === webinarCampaign);
    expect(webinar).toMatchObject({
      source: 'webinar',
      campaign_name: 'Spring webinar',
      decisions: 4,
      accepted: 3,
      rejected: 1,
      acceptance_rate: 0.75,
    });
    const ads = report.groups.find((g: { campaign_id: number }) => g.campaign_id === adsCampaign);
    expect(ads).toMatchObject({
      source: 'ads',
      decisions: 4,
      accepted: 1,
      rejected: 3,
      acceptance_rate: 0.25,
    });
    expect(ads.reasons.map((r: { code: string; count: number }) => [r.code, r.count])).toEqual([
      ['student_or_job_seeker', 2],
      ['no_need', 1],
    ]);

    const bySource = await context.app.inject({
      method: 'GET',
      url: '/api/v1/reports/lead-quality?by=source',
      headers: marketer.headers,
    });
    expect(
      bySource
        .json()
        .groups.map((g: { source: string; campaign_id: number | null }) => [g.source, g.campaign_id]),
    ).toEqual([
      ['ads', null],
      ['webinar', null],
    ]);
  });
});

describe('customer insights', () => {
  it('are recorded on a lead, account or opportunity and filtered for marketing', async () => {
    const lead = await handedOffLead({ source: 'webinar' });
    const account = await context.database.db
      .insertInto('accounts')
      .values({ workspace_id: context.workspaceId, name: 'Prospect Ltd' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const created = [
      {
        type: 'objection',
        body: 'Too expensive for a team of five',
        lead_id: lead,
        occurred_at: '2026-03-01T10:00:00Z',
      },
      {
        type: 'competitor_mention',
        body: 'Evaluating the incumbent tool',
        competitor: 'Rival Suite',
        lead_id: lead,
        occurred_at: '2026-03-02T10:00:00Z',
      },
      {
        type: 'competitor_mention',
        body: 'Uses a spreadsheet today',
        competitor: 'rival suite',
        account_id: account.id,
        source: 'event',
        occurred_at: '2026-03-03T10:00:00Z',
      },
      {
        type: 'feature_request',
        body: 'Wants a CRM sync',
        account_id: account.id,
        occurred_at: '2026-04-01T10:00:00Z',
      },
    ];
    for (const insight of created) {
      const response = await post('/api/v1/insights', rep, insight);
      expect(response.statusCode).toBe(201);
    }
    const list = async (query: string) => {
      const response = await context.app.inject({
        method: 'GET',
        url: `/api/v1/insights?${query}`,
        headers: marketer.headers,
      });
      expect(response.statusCode).toBe(200);
      return response.json();
    };
    const competitors = await list('competitor=RIVAL%20SUITE');
    expect(competitors.items.map((i: { body: string }) => i.body)).toEqual([
      'Uses a spreadsheet today',
      'Evaluating the incumbent tool',
    ]);
    // The source defaults to the lead's source.
    expect((await list('source=webinar')).items).toHaveLength(2);
    expect((await list('type=objection')).items[0]).toMatchObject({
      lead_id: lead,
      source: 'webinar',
      created_by: rep.id,
    });
    expect((await list('from=2026-03-02&to=2026-03-31')).items).toHaveLength(2);
    const page = await list('limit=3');
    expect(page.items).toHaveLength(3);
    const rest = await list(`limit=3&cursor=${page.next_cursor}`);
    expect(rest.items.map((i: { body: string }) => i.body)).toEqual(['Too expensive for a team of five']);
    expect(rest.next_cursor).toBeNull();
  });

  it('refuses insights without a subject, a competitor mention without the competitor, and unknown ids', async () => {
    const orphan = await post('/api/v1/insights', rep, { type: 'need', body: 'x' });
    expect(orphan.statusCode).toBe(400);
    expect(orphan.json().error.issues[0].path).toBe('lead_id');
    const lead = await handedOffLead();
    const noCompetitor = await post('/api/v1/insights', rep, {
      type: 'competitor_mention',
      body: 'x',
      lead_id: lead,
    });
    expect(noCompetitor.statusCode).toBe(400);
    expect(noCompetitor.json().error.issues[0].path).toBe('competitor');
    const unknown = await post('/api/v1/insights', rep, { type: 'need', body: 'x', opportunity_id: 999999 });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.issues[0].path).toBe('opportunity_id');
  });
});
