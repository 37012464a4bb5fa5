import type { Me, Role } from '../api/types.ts';

export interface NavItem {
  to: string;
  label: string;
  roles: readonly Role[];
}

export interface NavSection {
  label: string;
  items: readonly NavItem[];
}

const EVERYONE: readonly Role[] = ['admin', 'marketing', 'sales', 'sdr', 'executive'];
export const REPS: readonly Role[] = ['sales', 'sdr'];
export const PLANNERS: readonly Role[] = ['admin', 'marketing', 'executive', 'sales'];

/**
 * The pages of the app by role. A page is listed only once the API behind it exists, so
 * nobody is sent to a screen with nothing to show.
 */
export const NAV: readonly NavSection[] = [
  {
    label: 'Reports',
    items: [
      { to: '/scorecard', label: 'Scorecard', roles: EVERYONE },
      { to: '/plan', label: 'Plan', roles: PLANNERS },
      { to: '/funnel', label: 'Funnel', roles: PLANNERS },
      { to: '/sla', label: 'SLA board', roles: PLANNERS },
      { to: '/campaigns', label: 'Campaigns', roles: PLANNERS },
      { to: '/attribution', label: 'Attribution', roles: PLANNERS },
      { to: '/win-loss', label: 'Win/loss', roles: PLANNERS },
      { to: '/lead-quality', label: 'Lead quality', roles: PLANNERS },
    ],
  },
  {
    label: 'Work',
    items: [
      { to: '/queue', label: 'My queue', roles: REPS },
      { to: '/leads', label: 'Leads', roles: EVERYONE },
      { to: '/qualification', label: 'Needs qualification', roles: ['admin', 'marketing'] },
      { to: '/deals', label: 'Deals', roles: EVERYONE },
      { to: '/insights', label: 'Customer insights', roles: EVERYONE },
    ],
  },
  {
    label: 'Settings',
    items: [
      { to: '/settings/goals', label: 'Revenue goals', roles: PLANNERS },
      { to: '/settings/scoring', label: 'Scoring', roles: ['admin', 'marketing'] },
      { to: '/settings/qualification', label: 'Qualification', roles: ['admin', 'marketing'] },
      { to: '/settings/routing', label: 'Routing', roles: ['admin'] },
      { to: '/settings/sla', label: 'SLA policies', roles: ['admin', 'marketing'] },
      { to: '/settings/reasons', label: 'Rejection reasons', roles: ['admin'] },
      { to: '/settings/imports', label: 'Imports', roles: ['admin', 'marketing'] },
      { to: '/settings/users', label: 'Users & roles', roles: ['admin'] },
      { to: '/settings/teams', label: 'Teams', roles: ['admin'] },
      { to: '/settings/tokens', label: 'API tokens', roles: EVERYONE },
    ],
  },
];

export function navFor(me: Me): NavSection[] {
  return NAV.map((section) => ({
    label: section.label,
    items: section.items.filter((item) => item.roles.includes(me.role)),
  })).filter((section) => section.items.length > 0);
}

/** Where each role lands after signing in. */
export function homeFor(me: Me): string {
  return REPS.includes(me.role) ? '/queue' : '/scorecard';
}
