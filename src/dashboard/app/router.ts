import { useEffect, useState } from 'preact/hooks';

/** The page named by the URL fragment (`#/audit?actor=…` → `audit` and its query). */
export interface Route {
  page: string;
  params: URLSearchParams;
}

function current(): Route {
  const hash = location.hash.replace(/^#\/?/, '');
  const [page = '', query = ''] = hash.split('?');
  // The OAuth callback of a link started from "My account" comes back to `#linked=<id>`.
  if (page.startsWith('linked=')) return { page: 'account', params: new URLSearchParams(page) };
  return { page: page || 'overview', params: new URLSearchParams(query) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** The link to `page` with `params`; an empty or missing value is left out of the URL. */
export function href(page: string, params?: Record<string, string | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params ?? {})) if (value) search.set(name, value);
  const q = search.toString();
  return `#/${page}${q ? `?${q}` : ''}`;
}
