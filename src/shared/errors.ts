/**
 * Every failure the API reports on purpose. Adding a code forces a decision about its
 * HTTP status in httpStatusFor (the switch is exhaustive).
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'INVALID_CREDENTIALS'
  | 'FORBIDDEN'
  | 'LEAD_NOT_FOUND'
  | 'ACCOUNT_NOT_FOUND'
  | 'CAMPAIGN_NOT_FOUND'
  | 'OPPORTUNITY_NOT_FOUND'
  | 'TOUCHPOINT_NOT_FOUND'
  | 'ACTIVITY_NOT_FOUND'
  | 'USER_NOT_FOUND'
  | 'TEAM_NOT_FOUND'
  | 'PRODUCT_NOT_FOUND'
  | 'TOKEN_NOT_FOUND'
  | 'IMPORT_NOT_FOUND'
  | 'FORM_NOT_FOUND'
  | 'SCORING_JOB_NOT_FOUND'
  | 'GOAL_NOT_FOUND'
  | 'PLAN_NOT_FOUND'
  | 'ROUTE_NOT_FOUND'
  | 'RESOURCE_NOT_FOUND'
  | 'INVALID_TRANSITION'
  | 'ALREADY_EXISTS'
  | 'CONFLICT'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'QUALIFICATION_INCOMPLETE'
  | 'UNPROCESSABLE'
  | 'BATCH_TOO_LARGE'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'STORE_LOCKED';

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. "items.3.email". */
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly issues: FieldIssue[] | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; issues?: FieldIssue[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.issues = options.issues;
  }
}

export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case 'VALIDATION_FAILED':
      return 400;
    case 'UNAUTHENTICATED':
    case 'INVALID_CREDENTIALS':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'LEAD_NOT_FOUND':
    case 'ACCOUNT_NOT_FOUND':
    case 'CAMPAIGN_NOT_FOUND':
    case 'OPPORTUNITY_NOT_FOUND':
    case 'TOUCHPOINT_NOT_FOUND':
    case 'ACTIVITY_NOT_FOUND':
    case 'USER_NOT_FOUND':
    case 'TEAM_NOT_FOUND':
    case 'PRODUCT_NOT_FOUND':
    case 'TOKEN_NOT_FOUND':
    case 'IMPORT_NOT_FOUND':
    case 'FORM_NOT_FOUND':
    case 'SCORING_JOB_NOT_FOUND':
    case 'GOAL_NOT_FOUND':
    case 'PLAN_NOT_FOUND':
    case 'ROUTE_NOT_FOUND':
    case 'RESOURCE_NOT_FOUND':
      return 404;
    case 'INVALID_TRANSITION':
    case 'ALREADY_EXISTS':
    case 'CONFLICT':
    case 'IDEMPOTENCY_KEY_REUSED':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
    case 'BATCH_TOO_LARGE':
      return 413;
    case 'QUALIFICATION_INCOMPLETE':
    case 'UNPROCESSABLE':
      return 422;
    case 'STORE_LOCKED':
      return 423;
    case 'RATE_LIMITED':
      return 429;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

export function validationError(issues: FieldIssue[]): AppError {
  const first = issues[0];
  const message = first
    ? `${first.path || '(body)'}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`
    : 'The request is not valid';
  return new AppError('VALIDATION_FAILED', message, { issues });
}

/** PostgreSQL unique violation, as raised by both pg and PGlite. */
export function isUniqueViolation(
  error: unknown,
): error is { code: string; constraint?: string; detail?: string } {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

export function isForeignKeyViolation(error: unknown): error is { code: string; constraint?: string } {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23503';
}
