import { useEffect, useState } from 'preact/hooks';

/**
 * Path routing under /console/ with the History API: three pages and a detail view need no
 * router library. The server answers every /console/* path with index.html
 * (services/api/console.ts), so a reload or a shared link lands on the same page.
 */
export const BASE = '/console';

export interface Route {
  path: string;
  search: URLSearchParams;
}

function current(): Route {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) || '/' : '/';
  return { path, search: new URLSearchParams(location.search) };
}

const listeners = new Set<() => void>();
addEventListener('popstate', () => {
  for (const l of listeners) l();
});

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = `${BASE}${to}`;
  if (opts.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  for (const l of listeners) l();
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    listeners.add(update);
    return () => void listeners.delete(update);
  }, []);
  return route;
}

/** A same-page link: a real <a href> (keyboard, middle-click, copy link) that navigates in place. */
export function linkProps(to: string): { href: string; onClick: (e: MouseEvent) => void } {
  return {
    href: `${BASE}${to}`,
    onClick: (e: MouseEvent) => {
      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      navigate(to);
    },
  };
}
