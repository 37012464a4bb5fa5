/** A field the server rejected, with its dotted path ("items.3.email"). */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Every failure the API reports: the server's own code and message, or a transport failure. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly issues: FieldIssue[];
  readonly details: Record<string, unknown> | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    extra: { requestId?: string; issues?: FieldIssue[]; details?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.requestId = extra.requestId;
    this.issues = extra.issues ?? [];
    this.details = extra.details;
  }
}

export const API_BASE = '/api/v1';

export type QueryValue = string | number | boolean | null | undefined;
export type Query = Record<string, QueryValue>;

/** Appends the defined, non-empty values as a query string. */
export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}

interface ErrorEnvelope {
  error?: {
    code?: unknown;
    message?: unknown;
    request_id?: unknown;
    issues?: unknown;
    details?: unknown;
  };
}

async function toApiError(response: Response): Promise<ApiError> {
  let body: ErrorEnvelope | null = null;
  try {
    body = (await response.json()) as ErrorEnvelope;
  } catch {
    body = null;
  }
  const error = body?.error;
  if (error && typeof error.message === 'string') {
    return new ApiError(
      response.status,
      typeof error.code === 'string' ? error.code : 'ERROR',
      error.message,
      {
        requestId: typeof error.request_id === 'string' ? error.request_id : undefined,
        issues: Array.isArray(error.issues) ? (error.issues as FieldIssue[]) : [],
        details:
          error.details && typeof error.details === 'object'
            ? (error.details as Record<string, unknown>)
            : undefined,
      },
    );
  }
  return new ApiError(
    response.status,
    `HTTP_${response.status}`,
    `The server answered ${response.status} ${response.statusText || ''}`.trim(),
  );
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  query?: Query;
  /** A plain object is sent as JSON; FormData as multipart. */
  body?: unknown;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

async function send(path: string, options: RequestOptions, accept: string): Promise<Response> {
  const headers: Record<string, string> = { accept, ...options.headers };
  let body: BodyInit | undefined;
  if (options.body instanceof FormData) {
    body = options.body;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${withQuery(path, options.query)}`, {
      method: options.method ?? 'GET',
      credentials: 'same-origin',
      headers,
      body,
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError(0, 'NETWORK', 'Cannot reach the Tandem server. Check your connection and try again.');
  }
  if (!response.ok) throw await toApiError(response);
  return response;
}

/** Calls the JSON API; resolves to the parsed body (undefined for 204). */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options, 'application/json');
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** Fetches a file (a CSV of rejected rows, a report export) with the session. */
export async function apiBlob(path: string, options: RequestOptions = {}): Promise<Blob> {
  const response = await send(path, options, '*/*');
  return response.blob();
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Walks every page of a cursor-paginated list (for CSV exports of a whole filtered list). */
export async function fetchAllPages<T>(
  path: string,
  query: Query,
  options: { pageSize?: number; maxRows?: number; onProgress?: (rows: number) => void } = {},
): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = [];
  const maxRows = options.maxRows ?? 100_000;
  let cursor: string | null | undefined;
  do {
    const page = await api<Page<T>>(path, {
      query: { ...query, cursor: cursor ?? undefined, limit: options.pageSize ?? 500 },
    });
    items.push(...page.items);
    options.onProgress?.(items.length);
    cursor = page.next_cursor;
    if (items.length >= maxRows) return { items: items.slice(0, maxRows), truncated: cursor !== null };
  } while (cursor);
  return { items, truncated: false };
}
