import type { ReactNode } from 'react';
import { ApiError } from '../api/client.ts';

export function LoadingState({ label = 'Loading' }: { label?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label}…</span>
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children ? <div className="state-body">{children}</div> : null}
    </div>
  );
}

function describe(error: unknown): { message: string; code?: string; requestId?: string; status?: number } {
  if (error instanceof ApiError) {
    return { message: error.message, code: error.code, requestId: error.requestId, status: error.status };
  }
  if (error instanceof Error) return { message: error.message };
  return { message: 'Something went wrong.' };
}

/** Shows the server's own message (and its request id) rather than a blank page. */
export function ErrorState({
  error,
  title = 'Could not load this',
  retry,
}: {
  error: unknown;
  title?: string;
  retry?: () => void;
}) {
  const info = describe(error);
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">{title}</p>
      <p className="error-message">{info.message}</p>
      {info.code || info.requestId ? (
        <p className="muted small">
          {info.code ? <>Code {info.code}</> : null}
          {info.status ? <> · HTTP {info.status}</> : null}
          {info.requestId ? <> · request {info.requestId}</> : null}
        </p>
      ) : null}
      {retry ? (
        <button type="button" className="btn" onClick={() => retry()}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** An inline error under a form: the server's message and each field it named. */
export function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  const info = describe(error);
  const issues = error instanceof ApiError ? error.issues : [];
  return (
    <div className="form-error" role="alert">
      <p>{info.message}</p>
      {issues.length > 0 ? (
        <ul>
          {issues.map((issue) => (
            <li key={`${issue.path}:${issue.message}`}>
              {issue.path ? <code>{issue.path}</code> : null} {issue.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
