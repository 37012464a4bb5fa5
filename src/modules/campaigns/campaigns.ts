import { AppError } from '../../shared/errors.ts';

/**
 * A campaign cannot end before it starts. Dates are 'YYYY-MM-DD', so they compare as
 * strings; either end may be open (null).
 */
export function campaignDatesIssue(
  startDate: string | null | undefined,
  endDate: string | null | undefined,
): string | null {
  if (!startDate || !endDate) return null;
  return endDate >= startDate ? null : `must be on or after start_date (${startDate}), got ${endDate}`;
}

export function assertCampaignDates(
  startDate: string | null | undefined,
  endDate: string | null | undefined,
): void {
  const issue = campaignDatesIssue(startDate, endDate);
  if (issue) {
    throw new AppError('VALIDATION_FAILED', `end_date: ${issue}`, {
      issues: [{ path: 'end_date', message: issue }],
    });
  }
}
