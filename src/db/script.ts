import { type Kysely, sql } from 'kysely';

/**
 * Splits a SQL script into statements on semicolons outside quotes, dollar-quoted bodies
 * and comments. PGlite's extended protocol runs one statement per query, so migrations
 * written as scripts go through here on both stores.
 */
export function splitStatements(script: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  while (i < script.length) {
    const char = script[i] as string;
    const rest = script.slice(i);
    if (rest.startsWith('--')) {
      const end = script.indexOf('\n', i);
      i = end === -1 ? script.length : end + 1;
      continue;
    }
    if (char === "'") {
      const end = script.indexOf("'", i + 1);
      current += script.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    const dollar = /^\$[A-Za-z_]*\$/.exec(rest);
    if (dollar) {
      const tag = dollar[0];
      const end = script.indexOf(tag, i + tag.length);
      current += script.slice(i, end + tag.length);
      i = end + tag.length;
      continue;
    }
    if (char === ';') {
      if (current.trim()) statements.push(current.trim());
      current = '';
      i += 1;
      continue;
    }
    current += char;
    i += 1;
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}

// biome-ignore lint/suspicious/noExplicitAny: scripts run on any schema
export async function executeScript(db: Kysely<any>, script: string): Promise<void> {
  for (const statement of splitStatements(script)) await sql.raw(statement).execute(db);
}
