import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isProblem,
  millionsToUnits,
  normalisedKey,
  parseBoolean,
  parseDate,
  parseDecimal,
  parseEmail,
  parseEnum,
  parseExportDate,
  parseExportTimestamp,
  parseInteger,
  parseJsonObject,
  parseMoney,
  parseTimestamp,
  slugOf,
} from './values.ts';

// Written out independently of the parser: the Gregorian leap-year rule.
function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

describe('parseTimestamp', () => {
  it('reads the ISO forms, UTC when no offset is written', () => {
    expect(parseTimestamp('2026-03-02')).toBe(Date.UTC(2026, 2, 2));
    expect(parseTimestamp('2026-03-02 10:15')).toBe(Date.UTC(2026, 2, 2, 10, 15));
    expect(parseTimestamp('2026-03-02T10:15:30Z')).toBe(Date.UTC(2026, 2, 2, 10, 15, 30));
    expect(parseTimestamp('2026-03-02T10:15:30.250Z')).toBe(Date.UTC(2026, 2, 2, 10, 15, 30, 250));
    expect(parseTimestamp('2026-03-02T10:15:30+02:00')).toBe(Date.UTC(2026, 2, 2, 8, 15, 30));
    expect(parseTimestamp('2026-03-02T10:15:30-0130')).toBe(Date.UTC(2026, 2, 2, 11, 45, 30));
  });

  it('refuses dates that do not exist instead of rolling them over', () => {
    for (const value of [
      '2026-02-30',
      '2025-02-29',
      '2026-04-31',
      '2026-13-01',
      '2026-00-10',
      '2026-01-01T24:00:00Z',
    ]) {
      const parsed = parseTimestamp(value);
      expect(isProblem(parsed), value).toBe(true);
    }
    expect(parseTimestamp('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    const problem = parseTimestamp('2026-02-30T10:00:00Z');
    expect(isProblem(problem) && problem.problem).toContain('2026-02-30');
  });

  it('refuses text that is not a timestamp', () => {
    for (const value of ['yesterday', '02/03/2026', '2026-3-2', '', '2026-03-02T10']) {
      expect(isProblem(parseTimestamp(value)), value).toBe(true);
    }
  });

  it('accepts a calendar date exactly when the day exists (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1900, max: 2200 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        (y, m, d) => {
          const parsed = parseDate(`${y}-${pad(m)}-${pad(d)}`);
          expect(!isProblem(parsed)).toBe(d <= daysIn(y, m));
        },
      ),
    );
  });

  it('reads back any instant written as ISO 8601 (property)', () => {
    const instant = fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2199, 11, 31) });
    fc.assert(
      fc.property(instant, (ms) => {
        const date = new Date(ms);
        expect(parseTimestamp(date.toISOString())).toBe(ms);
        const spaced = date.toISOString().replace('T', ' ').replace('Z', '');
        expect(parseTimestamp(spaced)).toBe(ms);
      }),
    );
  });
});

describe('parseExportTimestamp', () => {
  it('reads the US month-first forms CRM exports write', () => {
    expect(parseExportTimestamp('3/2/2026')).toBe(Date.UTC(2026, 2, 2));
    expect(parseExportTimestamp('3/2/2026 2:05 PM')).toBe(Date.UTC(2026, 2, 2, 14, 5));
    expect(parseExportTimestamp('12/31/2025, 12:00 AM')).toBe(Date.UTC(2025, 11, 31, 0, 0));
    expect(parseExportTimestamp('12/31/2025 12:30 pm')).toBe(Date.UTC(2025, 11, 31, 12, 30));
    expect(parseExportTimestamp('2018-02-26 19:58:54')).toBe(Date.UTC(2018, 1, 26, 19, 58, 54));
    expect(isProblem(parseExportTimestamp('2/30/2026'))).toBe(true);
    expect(isProblem(parseExportTimestamp('13/1/2026'))).toBe(true);
    expect(parseExportDate('3/2/2026 11:59 PM')).toBe('2026-03-02');
  });
});

describe('numbers, money, booleans, enums, JSON', () => {
  it('parses plain decimals and whole numbers with bounds', () => {
    expect(parseDecimal('1054')).toBe(1054);
    expect(parseDecimal('-0.5')).toBe(-0.5);
    expect(isProblem(parseDecimal('1,054'))).toBe(true);
    expect(isProblem(parseDecimal('-1', { min: 0 }))).toBe(true);
    expect(parseInteger('2822', { min: 0 })).toBe(2822);
    expect(isProblem(parseInteger('28.5'))).toBe(true);
    expect(isProblem(parseInteger('3000000000'))).toBe(true);
  });

  it('reads amounts as exports write them', () => {
    expect(parseMoney('$1,234.50')).toEqual({ amount: 1234.5 });
    expect(parseMoney('USD 1,234.50')).toEqual({ amount: 1234.5, currency: 'USD' });
    expect(parseMoney('980 EUR')).toEqual({ amount: 980, currency: 'EUR' });
    expect(parseMoney('1234')).toEqual({ amount: 1234 });
    for (const bad of ['1,23', 'abc', '-5', '12,34,567']) expect(isProblem(parseMoney(bad)), bad).toBe(true);
  });

  it('reads booleans, enums (any case) and JSON objects', () => {
    expect(parseBoolean('TRUE')).toBe(true);
    expect(parseBoolean('0')).toBe(false);
    expect(isProblem(parseBoolean('maybe'))).toBe(true);
    expect(parseEnum('Page_View', ['page_view', 'chat'])).toBe('page_view');
    const bad = parseEnum('prospect', ['lead', 'mql']);
    expect(isProblem(bad) && bad.problem).toBe('"prospect" is not one of lead, mql');
    expect(parseJsonObject('{"a":1}')).toEqual({ a: 1 });
    expect(isProblem(parseJsonObject('[1]'))).toBe(true);
    expect(isProblem(parseJsonObject('{a:1}'))).toBe(true);
  });

  it('lower-cases emails and refuses malformed ones', () => {
    expect(parseEmail(' Lead1@Example.COM ')).toBe('lead1@example.com');
    for (const bad of ['not-an-email', 'a@b', 'a b@example.com', '@example.com']) {
      expect(isProblem(parseEmail(bad)), bad).toBe(true);
    }
  });
});

describe('millionsToUnits', () => {
  it('scales millions without floating-point noise', () => {
    expect(millionsToUnits('1100.04')).toBe(1_100_040_000);
    expect(millionsToUnits('4.54')).toBe(4_540_000);
    expect(isProblem(millionsToUnits('-3'))).toBe(true);
  });

  it('equals whole millions plus hundredths of a million (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 99 }),
        (whole, cents) => {
          expect(millionsToUnits(`${whole}.${pad(cents)}`)).toBe(whole * 1_000_000 + cents * 10_000);
        },
      ),
    );
  });
});

describe('keys', () => {
  it('matches names that differ in case, spaces and punctuation', () => {
    expect(normalisedKey('GTXPro')).toBe(normalisedKey('GTX Pro'));
    expect(normalisedKey('GTX Plus Pro')).not.toBe(normalisedKey('GTX Pro'));
    expect(slugOf('Mei-Mei Johns')).toBe('mei-mei-johns');
    expect(slugOf('  ')).toBe('unnamed');
  });
});
