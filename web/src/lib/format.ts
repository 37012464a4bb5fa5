const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const money = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  maximumFractionDigits: 0,
});
const compactMoney = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  notation: 'compact',
  maximumFractionDigits: 1,
});
const dateFormat = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat('en-US', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

export const DASH = '—';

export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return DASH;
  return Number.isInteger(value) ? integer.format(value) : decimal.format(value);
}

export function formatMoney(value: number | null | undefined, options: { compact?: boolean } = {}): string {
  if (value === null || value === undefined || Number.isNaN(value)) return DASH;
  return options.compact ? compactMoney.format(value) : money.format(value);
}

/** A fraction (0.25) as a percentage ("25%"). */
export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  if (fraction === null || fraction === undefined || Number.isNaN(fraction)) return DASH;
  return `${(fraction * 100).toFixed(digits).replace(/\.0+$/, '')}%`;
}

export function formatDate(value: string | Date | null | undefined): string {
  if (!value) return DASH;
  // 'YYYY-MM-DD' is a calendar date: show it as written, not shifted by the time zone.
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [year, month, day] = value.split('-').map(Number);
    return dateFormat.format(new Date(year ?? 1970, (month ?? 1) - 1, day ?? 1));
  }
  return dateFormat.format(new Date(value));
}

export function formatDateTime(value: string | Date | null | undefined): string {
  if (!value) return DASH;
  return dateTimeFormat.format(new Date(value));
}

/** A duration in milliseconds as "3 d 4 h", "2 h 05 min", "12 min" or "40 s". */
export function formatDuration(milliseconds: number): string {
  const total = Math.max(0, Math.round(Math.abs(milliseconds) / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, '0')} min`;
  if (minutes > 0) return `${minutes} min`;
  return `${total} s`;
}

/** "3 h 05 min ago" for a moment in the past. */
export function formatAgo(value: string | Date | null | undefined, now = Date.now()): string {
  if (!value) return DASH;
  return `${formatDuration(now - new Date(value).getTime())} ago`;
}

/** Hours as "1.5 h" or "3 d 2 h" for report figures. */
export function formatHours(hours: number | null | undefined): string {
  if (hours === null || hours === undefined || Number.isNaN(hours)) return DASH;
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  if (hours < 48) return `${decimal.format(hours)} h`;
  return formatDuration(hours * 3_600_000);
}

export function personName(person: {
  first_name?: string | null;
  last_name?: string | null;
  email?: string | null;
  id: number;
}): string {
  const name = [person.first_name, person.last_name].filter(Boolean).join(' ').trim();
  return name || person.email || `Lead ${person.id}`;
}

export function titleCase(value: string): string {
  return value.replaceAll('_', ' ').replace(/^\w/, (letter) => letter.toUpperCase());
}
