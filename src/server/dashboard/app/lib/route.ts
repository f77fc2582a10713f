import { useEffect, useState } from 'preact/hooks';

/**
 * Hash routing: `#/calls?model=gpt-4o&status=error`. The whole view state lives in the URL, so a
 * link can be shared, the back button steps through filter changes, and the server needs to serve
 * only `/`.
 */
export interface Route {
  /** Path segments after `#/`, decoded: `['calls', '<id>']`. */
  path: string[];
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  const query = text.indexOf('?');
  const pathPart = query === -1 ? text : text.slice(0, query);
  const path = pathPart
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    });
  return { path, params: new URLSearchParams(query === -1 ? '' : text.slice(query + 1)) };
}

export type ParamValues = Record<string, string | null | undefined>;

/** A link to a page: empty values are left out, so URLs stay short. */
export function href(path: string[], params?: URLSearchParams | ParamValues): string {
  const search = new URLSearchParams();
  if (params instanceof URLSearchParams) {
    for (const [key, value] of params) if (value !== '') search.append(key, value);
  } else if (params) {
    for (const [key, value] of Object.entries(params)) {
      if (value !== null && value !== undefined && value !== '') search.set(key, value);
    }
  }
  const query = search.toString();
  return `#/${path.map(encodeURIComponent).join('/')}${query ? `?${query}` : ''}`;
}

/** The same page with some parameters changed (null or '' removes one). */
export function withParams(route: Route, changes: ParamValues): string {
  const next = new URLSearchParams(route.params);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === '') next.delete(key);
    else next.set(key, value);
  }
  return href(route.path, next);
}

export function navigate(target: string): void {
  if (location.hash !== target) location.hash = target;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
