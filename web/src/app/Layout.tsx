import { type ReactNode, Suspense, useState } from 'react';
import { Link, Navigate, NavLink, Outlet, useLocation, useNavigation } from 'react-router';
import type { Me, Role } from '../api/types.ts';
import { ROLE_LABELS } from '../api/types.ts';
import { EmptyState, ErrorState, LoadingState } from '../components/States.tsx';
import { MeProvider, useLogout, useMe, useMeQuery } from './auth.tsx';
import { navFor } from './nav.ts';

function Sidebar({ me, open, onNavigate }: { me: Me; open: boolean; onNavigate: () => void }) {
  return (
    <nav id="main-nav" className={`sidebar${open ? ' open' : ''}`} aria-label="Main">
      {navFor(me).map((section) => (
        <div key={section.label} className="nav-section">
          <h2 className="nav-section-title">{section.label}</h2>
          <ul>
            {section.items.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} className="nav-link" onClick={onNavigate}>
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </nav>
  );
}

function Topbar({ me, menuOpen, onMenu }: { me: Me; menuOpen: boolean; onMenu: () => void }) {
  const logout = useLogout();
  return (
    <header className="topbar">
      <button
        type="button"
        className="btn btn-ghost menu-button"
        aria-expanded={menuOpen}
        aria-controls="main-nav"
        onClick={onMenu}
      >
        <span aria-hidden="true">☰</span> Menu
      </button>
      <Link to="/" className="brand">
        <img src="/favicon.svg" alt="" width="24" height="24" />
        <span>Tandem</span>
      </Link>
      <div className="topbar-user">
        <span className="user-name">{me.name}</span>
        <span className="badge badge-neutral">{ROLE_LABELS[me.role]}</span>
        <button
          type="button"
          className="btn btn-ghost"
          onClick={() => logout.mutate()}
          disabled={logout.isPending}
        >
          Sign out
        </button>
      </div>
    </header>
  );
}

/** The signed-in frame: top bar, navigation by role and the page. */
export function AppLayout() {
  const me = useMeQuery();
  const location = useLocation();
  const navigation = useNavigation();
  // The phone-width menu is open on the page where it was opened; changing page closes it.
  const [menuPath, setMenuPath] = useState<string | null>(null);
  const menuOpen = menuPath === location.pathname;

  if (me.isPending) return <LoadingState label="Starting Tandem" />;
  if (me.isError)
    return <ErrorState error={me.error} title="Tandem is not reachable" retry={() => void me.refetch()} />;
  if (!me.data) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return (
    <MeProvider me={me.data}>
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <div className="app-shell">
        <Topbar
          me={me.data}
          menuOpen={menuOpen}
          onMenu={() => setMenuPath(menuOpen ? null : location.pathname)}
        />
        <Sidebar me={me.data} open={menuOpen} onNavigate={() => setMenuPath(null)} />
        {navigation.state === 'loading' ? (
          <div className="route-progress" role="progressbar" aria-label="Loading page" />
        ) : null}
        <main id="content" className="main" tabIndex={-1}>
          <Suspense fallback={<LoadingState />}>
            <Outlet />
          </Suspense>
        </main>
      </div>
    </MeProvider>
  );
}

/** A page only some roles may open; others get an explanation, not a blank screen. */
export function RequireRole({ roles, children }: { roles: readonly Role[]; children: ReactNode }) {
  const me = useMe();
  if (!roles.includes(me.role)) {
    return (
      <EmptyState title="This page is not available for your role">
        <p>
          It needs the {roles.map((role) => ROLE_LABELS[role]).join(' or ')} role; you are signed in as{' '}
          {ROLE_LABELS[me.role]}.
        </p>
      </EmptyState>
    );
  }
  return <>{children}</>;
}
