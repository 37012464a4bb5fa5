/**
 * Measures touchpoint batch ingest: POST /api/v1/touchpoints/batch with 10,000 items a call,
 * end to end through the HTTP layer (JSON, validation, reference resolution, insert, lead
 * UTM update and whatever else recordTouchpoints does in its transaction), then the same
 * batches step by step inside one transaction to show where the time goes.
 *
 *   npx tsx src/modules/touchpoints/measure-ingest.ts [batches=10] [leads=20000]
 *   TANDEM_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx src/modules/touchpoints/measure-ingest.ts
 *
 * On PostgreSQL a scratch database is created and dropped again.
 */
import { performance } from 'node:perf_hooks';
import { bulkInsert } from '../../db/bulk.ts';
import { createTestContext } from '../../testing/harness.ts';
import { applyEngagement } from '../scoring/scoring.service.ts';
import * as touchpointsRepository from './touchpoints.repository.ts';
import type { TouchpointItem } from './touchpoints.schemas.ts';
import { resolveTouchpointItems } from './touchpoints.service.ts';
import { touchUpdatesPerLead } from './touchpoints.ts';

const BATCH = 10_000;
const batches = Number(process.argv[2] ?? 10);
const leadCount = Number(process.argv[3] ?? 20_000);

const TYPES = ['page_view', 'email_open', 'email_click', 'ad_click', 'form_fill', 'webinar'] as const;

let seed = 42;
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
}

function makeBatch(run: string, batch: number, campaignExternalIds: string[]): TouchpointItem[] {
  return Array.from({ length: BATCH }, (_, i) => {
    const lead = Math.floor(random() * leadCount);
    const kind = i % 3;
    const withUtm = random() < 0.5;
    return {
      external_id: `${run}-${batch}-${i}`,
      ...(kind === 0
        ? { lead_external_id: `lead-${lead}` }
        : kind === 1
          ? { email: `lead${lead}@example.com` }
          : { lead_external_id: `lead-${lead}` }),
      type: TYPES[Math.floor(random() * TYPES.length)] as TouchpointItem['type'],
      occurred_at: new Date(Date.UTC(2026, 0, 1) + Math.floor(random() * 200 * 86_400_000)).toISOString(),
      ...(random() < 0.4
        ? { campaign_external_id: campaignExternalIds[Math.floor(random() * campaignExternalIds.length)] }
        : {}),
      ...(withUtm
        ? { utm_source: 'google', utm_medium: 'cpc', utm_campaign: `c${Math.floor(random() * 30)}` }
        : {}),
      metadata: { page: `/p/${i % 50}` },
    };
  });
}

function rate(rows: number, ms: number): string {
  return `${Math.round(rows / (ms / 1000)).toLocaleString('en-US')} rows/s`;
}

const ctx = await createTestContext();
try {
  const db = ctx.database.db;
  const kind = process.env.TANDEM_TEST_DATABASE_URL ? 'postgres' : 'pglite';
  const leadRows = Array.from({ length: leadCount }, (_, i) => i);
  await bulkInsert(db, 'leads', leadRows, [
    { name: 'workspace_id', type: 'int4', value: () => ctx.workspaceId },
    { name: 'external_id', type: 'text', value: (i) => `lead-${i}` },
    { name: 'email', type: 'text', value: (i) => `lead${i}@example.com` },
    { name: 'stage', type: 'text', value: () => 'lead' },
  ]);
  const campaignExternalIds = Array.from({ length: 30 }, (_, i) => `cmp-${i}`);
  await bulkInsert(db, 'campaigns', campaignExternalIds, [
    { name: 'workspace_id', type: 'int4', value: () => ctx.workspaceId },
    { name: 'external_id', type: 'text', value: (id) => id },
    { name: 'name', type: 'text', value: (id) => `Campaign ${id}` },
    { name: 'channel', type: 'text', value: (_) => 'paid_search' },
  ]);

  console.log(
    `store: ${kind}; ${leadCount.toLocaleString('en-US')} leads; ${batches} batches of ${BATCH.toLocaleString('en-US')}`,
  );

  // 1. End to end through the API.
  const times: number[] = [];
  for (let batch = 0; batch < batches; batch++) {
    const payload = JSON.stringify({ items: makeBatch('http', batch, campaignExternalIds) });
    const started = performance.now();
    const response = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/touchpoints/batch',
      headers: { ...ctx.admin.headers, 'content-type': 'application/json' },
      payload,
    });
    const elapsed = performance.now() - started;
    if (response.statusCode !== 200)
      throw new Error(`batch ${batch}: ${response.statusCode} ${response.body.slice(0, 300)}`);
    times.push(elapsed);
  }
  const total = times.reduce((a, b) => a + b, 0);
  const sorted = [...times].sort((a, b) => a - b);
  console.log(
    `API  POST /touchpoints/batch: ${rate(BATCH * batches, total)} overall; per 10k call median ${Math.round(
      sorted[Math.floor(sorted.length / 2)] as number,
    )} ms, max ${Math.round(sorted[sorted.length - 1] as number)} ms`,
  );

  // 2. Re-sending a batch that is already recorded (idempotent: nothing written).
  const resend = JSON.stringify({ items: makeBatchAgain(campaignExternalIds) });
  const resendStarted = performance.now();
  const resent = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/touchpoints/batch',
    headers: { ...ctx.admin.headers, 'content-type': 'application/json' },
    payload: resend,
  });
  console.log(
    `API  re-send of a recorded batch: ${Math.round(performance.now() - resendStarted)} ms (${resent.json().existing} existing)`,
  );

  // 3. The steps of one batch inside a transaction.
  const steps: Record<string, number> = { resolve: 0, lock: 0, insert: 0, lead_utm: 0, scoring: 0 };
  for (let batch = 0; batch < Math.min(batches, 5); batch++) {
    const items = makeBatch('steps', batch, campaignExternalIds);
    await db.transaction().execute(async (trx) => {
      let mark = performance.now();
      const lap = (step: string) => {
        const now = performance.now();
        steps[step] = (steps[step] ?? 0) + (now - mark);
        mark = now;
      };
      const { touchpoints } = await resolveTouchpointItems(trx, ctx.workspaceId, items);
      lap('resolve');
      const leadIds = [...new Set(touchpoints.map((touch) => touch.lead_id))].sort((a, b) => a - b);
      await touchpointsRepository.lockLeads(trx, ctx.workspaceId, leadIds);
      lap('lock');
      const inserted = await touchpointsRepository.insertTouchpointsSkippingRecorded(
        trx,
        ctx.workspaceId,
        touchpoints,
      );
      lap('insert');
      await touchpointsRepository.applyTouchpointsToLeads(
        trx,
        ctx.workspaceId,
        touchUpdatesPerLead(
          inserted.map((row, index) => ({
            ...(touchpoints[index] as (typeof touchpoints)[number]),
            id: row.id,
          })),
        ),
      );
      lap('lead_utm');
      await applyEngagement(trx, ctx.workspaceId, leadIds, new Date());
      lap('scoring');
    });
  }
  const stepRuns = Math.min(batches, 5);
  console.log(
    `steps per 10k batch (mean of ${stepRuns}): ${Object.entries(steps)
      .map(([step, ms]) => `${step} ${Math.round(ms / stepRuns)} ms`)
      .join(', ')}`,
  );
} finally {
  await ctx.close();
}

function makeBatchAgain(campaignExternalIds: string[]): TouchpointItem[] {
  seed = 42;
  return makeBatch('http', 0, campaignExternalIds);
}
