import type { Migration } from 'kysely';
import * as foundation from './0001_foundation.ts';

// Ordered by name; a new migration gets the next number and one line here.
export const migrations: Record<string, Migration> = {
  '0001_foundation': foundation,
};
