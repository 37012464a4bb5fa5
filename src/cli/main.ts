import { Command } from 'commander';
import { AppError } from '../shared/errors.ts';
import { registerDemoCommand } from './demo.ts';
import { registerExportCommand } from './export.ts';
import { registerImportCommand } from './import.ts';
import { registerMigrateCommand } from './migrate.ts';
import { registerPlanCommand } from './plan.ts';
import { registerReportCommand } from './report.ts';
import { registerStartCommand } from './start.ts';
import { StoreBusyError } from './store.ts';
import { registerTokensCommand } from './tokens.ts';
import { registerUsersCommand } from './users.ts';

const program = new Command();
program
  .name('tandem')
  .description(
    'Tandem: one revenue goal, one funnel, one set of numbers for sales and marketing.\n' +
      'Commands work on the embedded store in .tandem/ (TANDEM_DATA_DIR) or on PostgreSQL when DATABASE_URL is set.',
  )
  .showHelpAfterError();

registerStartCommand(program);
registerMigrateCommand(program);
registerDemoCommand(program);
registerUsersCommand(program);
registerTokensCommand(program);
registerReportCommand(program);
registerImportCommand(program);
registerExportCommand(program);
registerPlanCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof StoreBusyError || error instanceof AppError) {
    console.error(`tandem: ${error.message}`);
    process.exit(error instanceof StoreBusyError ? 3 : 1);
  }
  throw error;
}
