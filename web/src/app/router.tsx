import type { ComponentType } from 'react';
import { createBrowserRouter, isRouteErrorResponse, Navigate, useRouteError } from 'react-router';
import type { Role } from '../api/types.ts';
import { ErrorState, LoadingState } from '../components/States.tsx';
import { LoginPage } from '../pages/LoginPage.tsx';
import { NotFoundPage } from '../pages/NotFoundPage.tsx';
import { useMe } from './auth.tsx';
import { AppLayout, RequireRole } from './Layout.tsx';
import { homeFor, PLANNERS, REPS } from './nav.ts';

type PageModule = Promise<{ default: ComponentType }>;

/**
 * One chunk per page, loaded by the router before the page renders (so a rep opening the
 * queue never downloads the settings screens, and no Suspense fallback flashes between pages).
 */
function page(load: () => PageModule, roles?: readonly Role[]) {
  return async () => {
    const { default: Page } = await load();
    if (!roles) return { Component: Page };
    return {
      element: (
        <RequireRole roles={roles}>
          <Page />
        </RequireRole>
      ),
    };
  };
}

const ADMIN_MARKETING: readonly Role[] = ['admin', 'marketing'];
const ADMIN: readonly Role[] = ['admin'];

/** Every page: its address, its code (its own chunk) and who may open it (everyone when unset). */
const PAGES: readonly { path: string; load: () => PageModule; roles?: readonly Role[] }[] = [
  { path: 'scorecard', load: () => import('../pages/reports/ScorecardPage.tsx') },
  { path: 'plan', load: () => import('../pages/reports/PlanPage.tsx'), roles: PLANNERS },
  { path: 'plans', load: () => import('../pages/reports/PlansPage.tsx'), roles: PLANNERS },
  { path: 'plans/:id', load: () => import('../pages/reports/PlanDetailPage.tsx'), roles: PLANNERS },
  { path: 'funnel', load: () => import('../pages/reports/FunnelPage.tsx'), roles: PLANNERS },
  { path: 'sla', load: () => import('../pages/reports/SlaPage.tsx'), roles: PLANNERS },
  { path: 'attribution', load: () => import('../pages/reports/AttributionPage.tsx'), roles: PLANNERS },
  { path: 'lead-quality', load: () => import('../pages/reports/LeadQualityPage.tsx'), roles: PLANNERS },
  { path: 'insights', load: () => import('../pages/InsightsPage.tsx') },
  { path: 'campaigns', load: () => import('../pages/reports/CampaignsPage.tsx'), roles: PLANNERS },
  { path: 'campaigns/:id', load: () => import('../pages/reports/CampaignPage.tsx') },
  { path: 'win-loss', load: () => import('../pages/reports/WinLossPage.tsx'), roles: PLANNERS },
  { path: 'deals', load: () => import('../pages/DealsPage.tsx') },
  { path: 'deals/:id', load: () => import('../pages/DealReviewPage.tsx') },
  { path: 'records', load: () => import('../pages/RecordsPage.tsx') },
  { path: 'queue', load: () => import('../pages/QueuePage.tsx'), roles: REPS },
  { path: 'leads', load: () => import('../pages/LeadsPage.tsx') },
  { path: 'leads/:id', load: () => import('../pages/LeadPage.tsx') },
  {
    path: 'qualification',
    load: () => import('../pages/QualificationQueuePage.tsx'),
    roles: ADMIN_MARKETING,
  },
  {
    path: 'settings/scoring',
    load: () => import('../pages/settings/ScoringPage.tsx'),
    roles: ADMIN_MARKETING,
  },
  {
    path: 'settings/qualification',
    load: () => import('../pages/settings/QualificationPage.tsx'),
    roles: ADMIN_MARKETING,
  },
  { path: 'settings/routing', load: () => import('../pages/settings/RoutingPage.tsx'), roles: ADMIN },
  {
    path: 'settings/imports',
    load: () => import('../pages/settings/ImportsPage.tsx'),
    roles: ADMIN_MARKETING,
  },
  {
    path: 'settings/imports/:id',
    load: () => import('../pages/settings/ImportPage.tsx'),
    roles: ADMIN_MARKETING,
  },
  {
    path: 'settings/sla',
    load: () => import('../pages/settings/SlaSettingsPage.tsx'),
    roles: ADMIN_MARKETING,
  },
  { path: 'settings/goals', load: () => import('../pages/settings/GoalsPage.tsx'), roles: PLANNERS },
  { path: 'settings/reasons', load: () => import('../pages/settings/ReasonsPage.tsx'), roles: ADMIN },
  { path: 'settings/users', load: () => import('../pages/settings/UsersPage.tsx'), roles: ADMIN },
  { path: 'settings/teams', load: () => import('../pages/settings/TeamsPage.tsx'), roles: ADMIN },
  { path: 'settings/tokens', load: () => import('../pages/settings/TokensPage.tsx') },
];

function Home() {
  const me = useMe();
  return <Navigate to={homeFor(me)} replace />;
}

/** A page that failed to render still shows what went wrong inside the frame. */
function RouteError() {
  const error = useRouteError();
  if (isRouteErrorResponse(error)) {
    return <ErrorState error={new Error(`${error.status} ${error.statusText}`)} title="This page failed" />;
  }
  return (
    <ErrorState
      error={error}
      title="This page failed to load"
      retry={() => {
        window.location.reload();
      }}
    />
  );
}

export function createRouter() {
  return createBrowserRouter([
    { path: '/login', element: <LoginPage /> },
    {
      path: '/',
      element: <AppLayout />,
      hydrateFallbackElement: <LoadingState label="Starting Tandem" />,
      children: [
        {
          errorElement: <RouteError />,
          children: [
            { index: true, element: <Home /> },
            ...PAGES.map((entry) => ({ path: entry.path, lazy: page(entry.load, entry.roles) })),
            { path: '*', element: <NotFoundPage /> },
          ],
        },
      ],
    },
  ]);
}
