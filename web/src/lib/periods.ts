/** Period strings the API understands: a year (2026), a quarter (2026-Q3) or a month (2026-07). */
export function currentQuarter(now = new Date()): string {
  return `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
}

export function currentMonth(now = new Date()): string {
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function periodLabel(period: string): string {
  const quarter = /^(\d{4})-Q([1-4])$/.exec(period);
  if (quarter) return `Q${quarter[2]} ${quarter[1]}`;
  const month = /^(\d{4})-(\d{2})$/.exec(period);
  if (month) return `${MONTHS[Number(month[2]) - 1] ?? month[2]} ${month[1]}`;
  return period;
}

export interface PeriodGroup {
  label: string;
  periods: string[];
}

/** Quarters, years and months around today (two years back, one year ahead). */
export function periodChoices(now = new Date()): PeriodGroup[] {
  const year = now.getUTCFullYear();
  const quarters: string[] = [];
  const months: string[] = [];
  for (let y = year + 1; y >= year - 2; y -= 1) {
    for (let q = 4; q >= 1; q -= 1) quarters.push(`${y}-Q${q}`);
    for (let m = 12; m >= 1; m -= 1) months.push(`${y}-${String(m).padStart(2, '0')}`);
  }
  return [
    { label: 'Quarters', periods: quarters },
    { label: 'Years', periods: [year + 1, year, year - 1, year - 2].map(String) },
    { label: 'Months', periods: months },
  ];
}
