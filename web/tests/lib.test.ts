import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toCsv } from '../src/lib/csv.ts';
import { formatDuration, formatPercent } from '../src/lib/format.ts';
import { periodChoices, periodLabel } from '../src/lib/periods.ts';

describe('toCsv', () => {
  it('round-trips any text through a standard CSV parser', () => {
    // Cells that start like a formula get a leading quote mark; the others come back as they were.
    const cell = fc.string({ unit: 'grapheme', maxLength: 20 }).filter((text) => !/^[=+\-@\t\r]/.test(text));
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 2, maxLength: 2 }), { maxLength: 10 }), (rows) => {
        const text = toCsv(['a', 'b'], rows);
        const parsed = parse(text, { relax_column_count: false }) as string[][];
        expect(parsed).toEqual([['a', 'b'], ...rows]);
      }),
    );
  });

  it('defuses cells a spreadsheet would run as formulas', () => {
    expect(toCsv(['x'], [['=SUM(A1:A9)'], ['-5'], ['@cmd'], [-5]])).toBe(
      "x\r\n'=SUM(A1:A9)\r\n'-5\r\n'@cmd\r\n-5\r\n",
    );
  });

  it('quotes commas, quotes and line breaks', () => {
    expect(
      toCsv(
        ['x', 'y'],
        [
          ['a,b', 'say "hi"'],
          ['line\nbreak', null],
        ],
      ),
    ).toBe('x,y\r\n"a,b","say ""hi"""\r\n"line\nbreak",\r\n');
  });
});

describe('formatting', () => {
  it('writes durations the way a rep reads them', () => {
    expect(formatDuration(40_000)).toBe('40 s');
    expect(formatDuration(12 * 60_000)).toBe('12 min');
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000)).toBe('2 h 05 min');
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000 + 59 * 60_000)).toBe('3 d 4 h');
  });

  it('writes fractions as percentages', () => {
    expect(formatPercent(0.25)).toBe('25%');
    expect(formatPercent(0.1234)).toBe('12.3%');
    expect(formatPercent(null)).toBe('—');
  });

  it('names periods as people say them and offers the current quarter', () => {
    expect(periodLabel('2026-Q3')).toBe('Q3 2026');
    expect(periodLabel('2026-07')).toBe('Jul 2026');
    expect(periodLabel('2026')).toBe('2026');
    const quarters = periodChoices(new Date(Date.UTC(2026, 7, 15))).find(
      (group) => group.label === 'Quarters',
    );
    expect(quarters?.periods).toContain('2026-Q3');
    expect(quarters?.periods).toHaveLength(16);
  });
});
