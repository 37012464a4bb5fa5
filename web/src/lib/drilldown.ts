import { API_BASE } from '../api/client.ts';

/**
 * The page listing the records behind a report figure. Reports answer each figure with
 * the API query that lists its records; the records page runs that query with paging.
 */
export function recordsLink(drilldown: string, title: string): string {
  const params = new URLSearchParams({ src: drilldown, title });
  return `/records?${params.toString()}`;
}

/** Only report drill-downs of this API are followed. */
export function drilldownPath(src: string | null): string | null {
  if (!src) return null;
  let url: URL;
  try {
    url = new URL(src, window.location.origin);
  } catch {
    return null;
  }
  if (url.origin !== window.location.origin || !url.pathname.startsWith(`${API_BASE}/`)) return null;
  return `${url.pathname.slice(API_BASE.length)}${url.search}`;
}
