import type { Command } from 'commander';
import { registerAttributionReport } from './report-attribution.ts';
import { registerCampaignsReport } from './report-campaigns.ts';
import { registerFunnelReport } from './report-funnel.ts';
import { registerPlanVsActualReport } from './report-plan-vs-actual.ts';
import { registerScorecardReport } from './report-scorecard.ts';
import { registerSpeedToLeadReport } from './report-speed-to-lead.ts';
import { registerWinLossReport } from './report-winloss.ts';

/**
 * `tandem report <name>`: each report module contributes one subcommand through a
 * function here. Every report prints JSON (--json), CSV (--csv), Markdown (--md) or a
 * plain table, and takes --workspace.
 */
export function registerReportCommand(program: Command): void {
  const report = program
    .command('report')
    .description('Print a report as a table, JSON (--json), CSV (--csv) or Markdown (--md)');
  for (const register of REPORTS) register(report);
}

// One line per report module: import its register function and add it here.
const REPORTS: ((report: Command) => void)[] = [
  registerFunnelReport,
  registerPlanVsActualReport,
  registerScorecardReport,
  registerSpeedToLeadReport,
  registerAttributionReport,
  registerCampaignsReport,
  registerWinLossReport,
];
