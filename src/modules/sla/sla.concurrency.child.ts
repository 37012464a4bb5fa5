// One "app instance" for sla.concurrency.test.ts: runs breach detection, routing of its own
// share of new leads and outbox delivery at the same time, against a shared PostgreSQL.
// Usage: node --import tsx sla.concurrency.child.ts <database url> <workspace id> <now ISO> <start at ms> <lead ids,comma separated>
import { openDatabase } from '../../db/database.ts';
import { transitionLead } from '../lifecycle/lifecycle.service.ts';
import { deliverDueNotifications } from '../notifications/notifications.delivery.ts';
import { routeLead } from '../routing/routing.service.ts';
import { runSlaTick } from './sla.tick.ts';

const [url, workspaceArg, nowArg, startArg, leadsArg] = process.argv.slice(2);
if (!url || !workspaceArg || !nowArg || !startArg || leadsArg === undefined) {
  console.error('usage: sla.concurrency.child.ts <url> <workspace> <now> <start-at-ms> <lead ids>');
  process.exit(2);
}
const workspaceId = Number(workspaceArg);
const now = new Date(nowArg);
const leadIds = leadsArg ? leadsArg.split(',').map(Number) : [];

const database = await openDatabase({ url, poolSize: 6 });
const db = database.db;
// Both instances start together so their work overlaps.
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startArg) - Date.now())));

const summary = { routed: 0, unrouted: 0, ticks: [] as unknown[], delivered: 0 };
await Promise.all([
  (async () => {
    for (let round = 0; round < 4; round++) summary.ticks.push(await runSlaTick(db, now, { maxChecks: 10 }));
  })(),
  (async () => {
    for (const leadId of leadIds) {
      const routed = await db.transaction().execute(async (trx) => {
        await transitionLead(trx, workspaceId, leadId, {
          to: 'mql',
          at: now,
          actorId: null,
          origin: 'system',
          reason: 'score',
        });
        return routeLead(trx, workspaceId, leadId, { now, reason: 'reached MQL' });
      });
      if (routed) summary.routed += 1;
      else summary.unrouted += 1;
    }
  })(),
  (async () => {
    for (let round = 0; round < 30; round++) {
      const run = await deliverDueNotifications(db, { now, limit: 5 });
      summary.delivered += run.delivered;
      if (run.claimed === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })(),
]);
// Finish what is left: more breach checks and every due delivery.
for (;;) {
  const tick = await runSlaTick(db, now);
  summary.ticks.push(tick);
  if (tick.checked === 0) break;
}
for (;;) {
  const run = await deliverDueNotifications(db, { now, limit: 25 });
  summary.delivered += run.delivered;
  if (run.claimed === 0) break;
}
await database.close();
console.log(JSON.stringify(summary));
