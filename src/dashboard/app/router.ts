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

export function href(page: string, params?: Record<string, string>): string {
  const q = params ? new URLSearchParams(params).toString() : '';
  return `#/${page}${q ? `?${q}` : ''}`;
}
