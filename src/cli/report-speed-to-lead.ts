import type { Command } from 'commander';
import { systemCaller } from '../modules/auth/auth.ts';
import { type SpeedToLeadFigures, speedToLeadQuery } from '../modules/speed-to-lead/speed-to-lead.schemas.ts';
import { getSpeedToLead } from '../modules/speed-to-lead/speed-to-lead.service.ts';
import { resolveWorkspace } from '../modules/workspaces/workspaces.service.ts';
import { AppError } from '../shared/errors.ts';
import { type Cell, outputFormat, printReport } from './output.ts';
import { openStore } from './store.ts';

interface SpeedToLeadCliOptions {
  from?: string;
  to?: string;
  by?: string;
  calendar?: string;
  workspace?: string;
  json?: boolean;
  csv?: boolean;
  md?: boolean;
}

function cells(label: string | null, figures: SpeedToLeadFigures): Cell[] {
  return [
    label,
    figures.leads,
    figures.responded,
    figures.median_hours,
    figures.p90_hours,
    figures.within_1h_share,
    figures.within_24h_share,
    figures.over_24h_share,
    figures.never_share,
    figures.breaches,
    figures.business?.median_hours ?? null,
    figures.business?.p90_hours ?? null,
  ];
}

export function registerSpeedToLeadReport(report: Command): void {
  report
    .command('speed-to-lead')
    .description(
      'Speed-to-lead: time from handoff (the later of MQL and assignment) to the first sales activity; median, p90, shares within 1 h / 24 h / later / never, SLA breaches',
    )
    .option('--from <date>', 'leads handed off on or after this date (UTC)')
    .option('--to <date>', 'leads handed off before this date (exclusive; default now)')
    .option('--by <grouping>', 'break down by owner | team | source')
    .option(
      '--calendar <id>',
      'business calendar id for business-hour figures (default: the workspace default)',
    )
    .option('-w, --workspace <slug>', 'workspace slug (default: the first)')
    .option('--json', 'print JSON: { overall, groups }')
    .option('--csv', 'print CSV')
    .option('--md', 'print Markdown')
    .action(async (options: SpeedToLeadCliOptions) => {
      const parsed = speedToLeadQuery.safeParse({
        from: options.from,
        to: options.to,
        by: options.by,
        calendar_id: options.calendar,
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const flag =
          String(issue?.path[0] ?? '') === 'calendar_id' ? 'calendar' : String(issue?.path[0] ?? '');
        throw new AppError('VALIDATION_FAILED', `--${flag}: ${issue?.message}`);
      }
      const store = await openStore('report');
      try {
        const workspace = await resolveWorkspace(store.database.db, options.workspace);
        const result = await getSpeedToLead(store.database.db, systemCaller(workspace.id), {
          from: parsed.data.from,
          to: parsed.data.to,
          by: parsed.data.by,
          calendarId: parsed.data.calendar_id,
        });
        printReport(outputFormat(options), result, () => ({
          columns: [
            result.by ?? 'group',
            'leads',
            'responded',
            'median_hours',
            'p90_hours',
            'within_1h',
            'within_24h',
            'over_24h',
            'never',
            'breaches',
            'business_median_hours',
            'business_p90_hours',
          ],
          rows: [
            cells('overall', result.overall),
            ...(result.groups ?? []).map((group) => cells(group.key ?? '(none)', group)),
          ],
        }));
      } finally {
        await store.close();
      }
    });
}
