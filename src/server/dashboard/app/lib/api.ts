import { useEffect, useState } from 'preact/hooks';
import type { CallRecord } from '../../../../core/record.js';
import type { CallPage, SummaryRow } from '../../../../core/store.js';

export type { CallRecord, CallPage, SummaryRow };

/** The token, when the server asks for one (bound off loopback): kept for this tab only. */
const TOKEN_KEY = 'llm-ledger-token';

export function apiToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setApiToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {}
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** API paths are relative, so the dashboard works when the server is mounted under a prefix. */
export function apiUrl(path: string, params?: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {}))
    if (value !== undefined && value !== '') search.set(key, value);
  const query = search.toString();
  return `./api/v1/${path}${query ? `?${query}` : ''}`;
}

export function authHeaders(): Record<string, string> {
  const token = apiToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

export async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(url, { headers: { accept: 'application/json', ...authHeaders() }, signal });
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = text;
  }
  if (!response.ok) throw new ApiError(errorMessage(body, response), response.status);
  return body as T;
}

function errorMessage(body: unknown, response: Response): string {
  if (body && typeof body === 'object') {
    const error = (body as { error?: unknown }).error;
    if (typeof error === 'string') return error;
    if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
      return (error as { message: string }).message;
    }
    if (typeof (body as { message?: unknown }).message === 'string') return (body as { message: string }).message;
  }
  return `${response.status} ${response.statusText}`;
}

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
}

/** Fetches each URL once per change of the URL list; a stale answer never replaces a newer one. */
export function useApi<T>(url: string | null): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: undefined, error: undefined, loading: url !== null });
  useEffect(() => {
    if (url === null) {
      setState({ data: undefined, error: undefined, loading: false });
      return;
    }
    const controller = new AbortController();
    setState((previous) => ({ data: previous.data, error: undefined, loading: true }));
    getJson<T>(url, controller.signal).then(
      (data) => setState({ data, error: undefined, loading: false }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState({ data: undefined, error: error instanceof Error ? error : new Error(String(error)), loading: false });
      },
    );
    return () => controller.abort();
  }, [url]);
  return state;
}
