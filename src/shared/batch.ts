import { AppError, type FieldIssue, validationError } from './errors.ts';

/** Where a field of item `index` sits in the request: "items.3.email" in a batch, "email" alone. */
export type ItemPath = (index: number, field: string) => string;

export const batchItemPath: ItemPath = (index, field) => `items.${index}.${field}`;
export const singleItemPath: ItemPath = (_index, field) => field;

/** Most issues one error lists; the message says how many there were in all. */
const MAX_ISSUES = 100;

export function throwIfIssues(issues: FieldIssue[]): void {
  if (issues.length === 0) return;
  const error = validationError(issues.slice(0, MAX_ISSUES));
  if (issues.length <= MAX_ISSUES) throw error;
  const first = issues[0] as FieldIssue;
  throw new AppError(
    'VALIDATION_FAILED',
    `${first.path}: ${first.message} (and ${issues.length - 1} more; the first ${MAX_ISSUES} are listed)`,
    { issues: error.issues ?? [] },
  );
}

/** Refuses a batch where two items carry the same key (e.g. external_id), naming both. */
export function assertUniqueInBatch<Item>(
  items: readonly Item[],
  keyOf: (item: Item) => string | null | undefined,
  field: string,
  path: ItemPath = batchItemPath,
): void {
  const seen = new Map<string, number>();
  const issues: FieldIssue[] = [];
  items.forEach((item, index) => {
    const key = keyOf(item);
    if (key === null || key === undefined) return;
    const previous = seen.get(key);
    if (previous !== undefined) {
      issues.push({
        path: path(index, field),
        message: `"${key}" appears twice in this batch (also ${path(previous, field)})`,
      });
      return;
    }
    seen.set(key, index);
  });
  throwIfIssues(issues);
}

/** The distinct non-empty keys of one reference kind across a batch, for one lookup query. */
export function distinctKeys<Item, Key extends string | number>(
  items: readonly Item[],
  keyOf: (item: Item) => Key | null | undefined,
): Key[] {
  const keys = new Set<Key>();
  for (const item of items) {
    const key = keyOf(item);
    if (key !== null && key !== undefined) keys.add(key);
  }
  return [...keys];
}

/** One way an item may point at a record: a field, how to read its key, and what a lookup found. */
export interface ReferenceKind<Item, Row extends { id: number }> {
  field: string;
  keyOf: (item: Item) => string | number | null | undefined;
  /** Rows found by one lookup query, by key (emails lower-cased by both sides). */
  found: ReadonlyMap<string | number, Row>;
  /** How the key is named in a "not found" message, e.g. 'external_id'. */
  keyLabel: string;
}

/**
 * For each item, the record its reference fields point at (undefined when it gives none).
 * An unknown key, or two fields of one item pointing at different records, is an issue
 * naming the item's field. Pure: the lookups ran before, one query per kind.
 */
export function pickReferences<Item, Row extends { id: number }>(
  items: readonly Item[],
  noun: string,
  kinds: readonly ReferenceKind<Item, Row>[],
  path: ItemPath = batchItemPath,
): { rows: (Row | undefined)[]; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const rows = items.map((item, index) => {
    let picked: { row: Row; field: string } | undefined;
    for (const kind of kinds) {
      const key = kind.keyOf(item);
      if (key === null || key === undefined) continue;
      const row = kind.found.get(key);
      if (!row) {
        issues.push({
          path: path(index, kind.field),
          message: `no ${noun} with ${kind.keyLabel} ${typeof key === 'number' ? key : `"${key}"`}`,
        });
        return undefined;
      }
      if (picked && picked.row.id !== row.id) {
        issues.push({
          path: path(index, kind.field),
          message: `points at ${noun} ${row.id} but ${picked.field} points at ${noun} ${picked.row.id}`,
        });
        return undefined;
      }
      picked ??= { row, field: kind.field };
    }
    return picked?.row;
  });
  return { rows, issues };
}

/**
 * Pairs the rows an `insert ... on conflict do nothing returning` gave back (input order,
 * minus the skipped ones) with the items they came from. Only items with an external_id
 * can be skipped; those without one are matched on fields they share with the row.
 */
export function pairInserted<
  Item extends { external_id: string | null },
  Row extends { external_id: string | null },
>(
  items: readonly Item[],
  rows: readonly Row[],
  sameWithoutKey: (item: Item, row: Row) => boolean,
): (Row & { index: number })[] {
  const paired: (Row & { index: number })[] = [];
  let next = 0;
  items.forEach((item, index) => {
    const row = rows[next];
    if (!row) return;
    const same =
      item.external_id !== null
        ? row.external_id === item.external_id
        : row.external_id === null && sameWithoutKey(item, row);
    if (!same) return;
    paired.push({ ...row, index });
    next += 1;
  });
  return paired;
}

/** The outcome of an idempotent batch: what was written now, what had been before, every id in order. */
export interface IdempotentBatchResult {
  created: number;
  existing: number;
  ids: number[];
}

/**
 * Ids of a batch's items in request order: the new row's id, or for an item skipped as
 * already recorded, the id recorded under its external_id.
 */
export function idempotentBatchResult(
  items: readonly { external_id: string | null }[],
  recorded: readonly { index: number; id: number }[],
  earlier: ReadonlyMap<string, number>,
): IdempotentBatchResult {
  const ids: (number | undefined)[] = new Array(items.length);
  for (const row of recorded) ids[row.index] = row.id;
  return {
    created: recorded.length,
    existing: items.length - recorded.length,
    ids: items.map((item, index) => {
      const id = ids[index] ?? (item.external_id === null ? undefined : earlier.get(item.external_id));
      if (id === undefined) {
        // Skipped as recorded, yet gone now: deleted by a concurrent call. Retrying settles it.
        throw new AppError('CONFLICT', `items.${index}.external_id: changed by another request; retry`);
      }
      return id;
    }),
  };
}

/** External ids of the items a batch insert skipped, for looking up their earlier ids. */
export function skippedExternalIds(
  items: readonly { external_id: string | null }[],
  recorded: readonly { index: number }[],
): string[] {
  const written = new Set(recorded.map((row) => row.index));
  return items.flatMap((item, index) =>
    written.has(index) || item.external_id === null ? [] : [item.external_id],
  );
}
