import { useCallback, useMemo } from 'react';
import { useLocation, useNavigate, useNavigation, useSearchParams } from 'react-router';

export type FilterPatch<K extends string> = Partial<Record<K, string | number | boolean | null | undefined>>;

/**
 * Filters live in the URL so a view can be shared and back/forward step through changes.
 * Changing a filter starts again at the first page.
 */
export function useUrlFilters<K extends string>(keys: readonly K[]) {
  const [params, setParams] = useSearchParams();
  const { pathname } = useLocation();
  const navigation = useNavigation();
  // While the user is on the way to another page, a late filter write (a debounced input)
  // must not pull them back.
  const leaving = navigation.state !== 'idle' && navigation.location?.pathname !== pathname;
  const values = useMemo(() => {
    const result = {} as Record<K, string>;
    for (const key of keys) result[key] = params.get(key) ?? '';
    return result;
  }, [params, keys]);

  const set = useCallback(
    (patch: FilterPatch<K>, options: { replace?: boolean } = {}) => {
      if (leaving) return;
      // Start from the address bar, not the last render: two changes in quick succession
      // (before React re-renders) must both survive.
      setParams(
        () => {
          const next = new URLSearchParams(window.location.search);
          for (const [key, value] of Object.entries(patch) as [K, FilterPatch<K>[K]][]) {
            if (value === undefined || value === null || value === '' || value === false) next.delete(key);
            else next.set(key, String(value));
          }
          next.delete('cursor');
          return next;
        },
        { replace: options.replace ?? false },
      );
    },
    [setParams, leaving],
  );

  const clear = useCallback(() => {
    setParams(
      () => {
        const next = new URLSearchParams(window.location.search);
        for (const key of keys) next.delete(key);
        next.delete('cursor');
        return next;
      },
      { replace: false },
    );
  }, [setParams, keys]);

  const active = keys.filter((key) => values[key] !== '').length;
  return { values, set, clear, active, params };
}

interface PagingState {
  /** Cursors of the pages before this one, oldest first; '' is the first page. */
  previous?: string[];
}

/** Keyset paging with the cursor in the URL; each page is a history entry. */
export function useCursorPaging() {
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const cursor = params.get('cursor') ?? undefined;
  const previous = (location.state as PagingState | null)?.previous ?? [];
  const pageNumber = cursor ? previous.length + 1 : 1;

  const go = useCallback(
    (target: string | undefined, stack: string[]) => {
      const next = new URLSearchParams(params);
      if (target) next.set('cursor', target);
      else next.delete('cursor');
      const search = next.toString();
      navigate(
        { pathname: location.pathname, search: search ? `?${search}` : '' },
        { state: { previous: stack } },
      );
    },
    [params, navigate, location.pathname],
  );

  const nextPage = useCallback(
    (nextCursor: string) => go(nextCursor, [...previous, cursor ?? '']),
    [go, previous, cursor],
  );
  const previousPage = useCallback(() => {
    const stack = [...previous];
    const target = stack.pop();
    go(target || undefined, stack);
  }, [go, previous]);
  const firstPage = useCallback(() => go(undefined, []), [go]);

  return { cursor, pageNumber, hasPrevious: cursor !== undefined, nextPage, previousPage, firstPage };
}
