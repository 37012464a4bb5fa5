import { z } from 'zod';

/**
 * Parsers for the text cells of import files. Each returns the parsed value or a
 * `Problem` saying what is wrong with the cell (the caller adds the column name).
 * Pure: no I/O, unit and property tested.
 */
export interface Problem {
  problem: string;
}

export type Parsed<T> = T | Problem;

export function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && 'problem' in value;
}

const problem = (text: string): Problem => ({ problem: text });

function quote(value: string): string {
  const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return JSON.stringify(shown);
}

// The same email rule as the API (zod's), so an imported lead is one the API would accept.
const EMAIL = z.regexes.email;

/** A lower-cased email address. */
export function parseEmail(value: string): Parsed<string> {
  const email = value.trim();
  if (email.length > 320 || !EMAIL.test(email)) return problem(`${quote(value)} is not an email address`);
  return email.toLowerCase();
}

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const US_TIMESTAMP =
  /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  offsetMinutes: number;
}

/**
 * Builds the instant from its parts and checks the round trip: the calendar fields of the
 * result must be the ones written, so 2026-02-30 or 25:00 are refused instead of rolling over.
 */
function instantOf(parts: Parts, value: string): Parsed<number> {
  const { year, month, day, hour, minute, second, millisecond, offsetMinutes } = parts;
  if (month < 1 || month > 12) return problem(`${quote(value)} has no month ${month}`);
  if (day < 1 || day > (DAYS_IN_MONTH[month - 1] ?? 0)) {
    return problem(`${quote(value)} is not a date (month ${month} has no day ${day})`);
  }
  if (hour > 23 || minute > 59 || second > 59) return problem(`${quote(value)} is not a time of day`);
  if (Math.abs(offsetMinutes) > 14 * 60) return problem(`${quote(value)} has an impossible UTC offset`);
  if (year < 1900 || year > 2200) return problem(`${quote(value)} is outside the years 1900 to 2200`);
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  const check = new Date(local);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second
  ) {
    return problem(`${quote(value)} is not a date (${year}-${month}-${day} does not exist)`);
  }
  return local - offsetMinutes * 60_000;
}

function offsetOf(zone: string | undefined): number {
  if (!zone || zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
}

/**
 * An instant in ISO 8601 form: `2026-03-02`, `2026-03-02 10:15`, `2026-03-02T10:15:30.5Z`,
 * `2026-03-02T10:15:30+02:00`. Without an offset the time is UTC. Returns epoch milliseconds.
 */
export function parseTimestamp(value: string): Parsed<number> {
  const match = ISO_TIMESTAMP.exec(value.trim());
  if (!match) return problem(`${quote(value)} is not a timestamp (use ISO 8601, e.g. 2026-03-02T10:15:00Z)`);
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  return instantOf(
    {
      year: Number(year),
      month: Number(month),
      day: Number(day),
      hour: Number(hour ?? 0),
      minute: Number(minute ?? 0),
      second: Number(second ?? 0),
      millisecond: fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0,
      offsetMinutes: offsetOf(zone),
    },
    value,
  );
}

/**
 * As parseTimestamp, and also the US form CRM exports use (`3/2/2026`, `3/2/2026 2:05 PM`,
 * `3/2/2026, 14:05`): month first, as Salesforce and HubSpot write it for US locales.
 */
export function parseExportTimestamp(value: string): Parsed<number> {
  const trimmed = value.trim();
  const us = US_TIMESTAMP.exec(trimmed);
  if (!us) return parseTimestamp(trimmed);
  const [, month, day, year, hour, minute, second, meridiem] = us;
  let hours = Number(hour ?? 0);
  if (meridiem) {
    if (hours < 1 || hours > 12) return problem(`${quote(value)} is not a time of day`);
    const pm = meridiem.toLowerCase() === 'pm';
    hours = (hours % 12) + (pm ? 12 : 0);
  }
  return instantOf(
    {
      year: Number(year),
      month: Number(month),
      day: Number(day),
      hour: hours,
      minute: Number(minute ?? 0),
      second: Number(second ?? 0),
      millisecond: 0,
      offsetMinutes: 0,
    },
    value,
  );
}

/** A calendar date, 'YYYY-MM-DD', checked the same way. */
export function parseDate(value: string): Parsed<string> {
  const trimmed = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) return problem(`${quote(value)} is not a date (use YYYY-MM-DD)`);
  const instant = parseTimestamp(trimmed);
  return isProblem(instant) ? instant : trimmed;
}

/** A calendar date from an export: ISO or US month-first; a time part is dropped. */
export function parseExportDate(value: string): Parsed<string> {
  const instant = parseExportTimestamp(value);
  if (isProblem(instant)) return instant;
  return new Date(instant).toISOString().slice(0, 10);
}

const DECIMAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** A plain decimal number (no thousands separators, no currency). */
export function parseDecimal(value: string, options: { min?: number; max?: number } = {}): Parsed<number> {
  const trimmed = value.trim();
  if (!DECIMAL.test(trimmed)) return problem(`${quote(value)} is not a number`);
  const number = Number(trimmed);
  if (!Number.isFinite(number)) return problem(`${quote(value)} is not a number`);
  if (options.min !== undefined && number < options.min)
    return problem(`${quote(value)} is below ${options.min}`);
  if (options.max !== undefined && number > options.max)
    return problem(`${quote(value)} is above ${options.max}`);
  return number;
}

/** A whole number. */
export function parseInteger(value: string, options: { min?: number; max?: number } = {}): Parsed<number> {
  const trimmed = value.trim();
  if (!/^-?\d+$/.test(trimmed)) return problem(`${quote(value)} is not a whole number`);
  const number = Number(trimmed);
  const min = options.min ?? -2_147_483_648;
  const max = options.max ?? 2_147_483_647;
  if (number < min) return problem(`${quote(value)} is below ${min}`);
  if (number > max) return problem(`${quote(value)} is above ${max}`);
  return number;
}

/**
 * A money amount as CRMs export it: `1234.5`, `1,234.50`, `$1,234.50`, `USD 1,234.50`, `1234 EUR`.
 * Returns the number and the currency code when one is written.
 */
export function parseMoney(value: string): Parsed<{ amount: number; currency?: string }> {
  let text = value.trim();
  let currency: string | undefined;
  const code = /^([A-Za-z]{3})\s+|\s+([A-Za-z]{3})$/.exec(text);
  if (code) {
    currency = (code[1] ?? code[2] ?? '').toUpperCase();
    text = text.replace(code[0], '').trim();
  }
  text = text.replace(/^[$€£¥]/, '').trim();
  if (!/^-?\d{1,3}(,\d{3})+(\.\d+)?$|^-?\d+(\.\d+)?$/.test(text))
    return problem(`${quote(value)} is not an amount`);
  const amount = Number(text.replaceAll(',', ''));
  if (!Number.isFinite(amount) || amount < 0) return problem(`${quote(value)} is not an amount of 0 or more`);
  if (amount >= 1e16) return problem(`${quote(value)} is too large`);
  return currency ? { amount, currency } : { amount };
}

const TRUE = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'f', 'no', 'n', '0']);

export function parseBoolean(value: string): Parsed<boolean> {
  const key = value.trim().toLowerCase();
  if (TRUE.has(key)) return true;
  if (FALSE.has(key)) return false;
  return problem(`${quote(value)} is not true or false`);
}

/** One of a fixed set of values, compared case-insensitively. */
export function parseEnum<T extends string>(value: string, allowed: readonly T[]): Parsed<T> {
  const key = value.trim().toLowerCase();
  const found = allowed.find((option) => option === key);
  if (found) return found;
  return problem(`${quote(value)} is not one of ${allowed.join(', ')}`);
}

/** A JSON object (custom fields, touchpoint metadata). */
export function parseJsonObject(value: string): Parsed<Record<string, unknown>> {
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // reported below
  }
  return problem(`${quote(value)} is not a JSON object`);
}

/**
 * Multiplies a decimal written in millions by a million without floating-point noise
 * ("1100.04" -> 1100040000).
 */
export function millionsToUnits(value: string): Parsed<number> {
  const trimmed = value.trim();
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(trimmed);
  if (!match) return problem(`${quote(value)} is not a number of millions`);
  const fraction = (match[2] ?? '').padEnd(6, '0');
  return Number(`${match[1]}${fraction}`);
}

/** A key for matching names that differ only in case, spaces and punctuation ("GTXPro" = "GTX Pro"). */
export function normalisedKey(value: string): string {
  return value.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** A slug for synthesised identifiers ("Jane Q. Doe" -> "jane-q-doe"). */
export function slugOf(value: string): string {
  const slug = value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug || 'unnamed';
}
