import type { Command } from 'commander';
import { openStore } from './store.ts';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Bring the database schema up to date (start does this too)')
    .action(async () => {
      const store = await openStore('migrate');
      console.log(`Schema up to date on ${store.database.kind} (${store.database.location}).`);
      await store.close();
    });
}
