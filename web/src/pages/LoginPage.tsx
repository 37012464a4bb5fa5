import { type FormEvent, useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { useLogin, useMeQuery } from '../app/auth.tsx';
import { homeFor } from '../app/nav.ts';
import { TextField } from '../components/Form.tsx';
import { usePageTitle } from '../components/PageHeader.tsx';
import { FormError, LoadingState } from '../components/States.tsx';

/** Only same-app paths are followed after sign-in (no open redirects). */
function safeNext(next: string | null): string | null {
  return next?.startsWith('/') && !next.startsWith('//') ? next : null;
}

export function LoginPage() {
  usePageTitle('Sign in');
  const me = useMeQuery();
  const login = useLogin();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const next = safeNext(params.get('next'));

  if (me.isPending) return <LoadingState label="Starting Tandem" />;
  if (me.data) return <Navigate to={next ?? homeFor(me.data)} replace />;

  function submit(event: FormEvent) {
    event.preventDefault();
    login.mutate(
      { email, password },
      { onSuccess: ({ user }) => navigate(next ?? homeFor(user), { replace: true }) },
    );
  }

  return (
    <main className="login-page">
      <form className="login-card card" onSubmit={submit} aria-labelledby="login-title">
        <div className="login-brand">
          <img src="/favicon.svg" alt="" width="40" height="40" />
          <div>
            <h1 id="login-title">Sign in to Tandem</h1>
            <p className="muted small">One revenue goal, one funnel, one set of numbers.</p>
          </div>
        </div>
        <TextField
          label="Email"
          type="email"
          name="email"
          autoComplete="username"
          required
          autoFocus
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
        <TextField
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        {login.isError ? <FormError error={login.error} /> : null}
        <button type="submit" className="btn btn-primary btn-block" disabled={login.isPending}>
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
