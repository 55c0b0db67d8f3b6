import { getSession, setSession } from './session.js';
import { ApiError, apiError, apiUrl, type Params } from './http.js';

export { ApiError, apiUrl } from './http.js';

/** Called when the API answers 401: the session is over, back to sign-in. */
let onUnauthorized: (err: ApiError) => void = () => {};
export function setUnauthorizedHandler(handler: (err: ApiError) => void): void {
  onUnauthorized = handler;
}

async function errorOf(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  return apiError(res.status, res.statusText, body);
}

/** A Management API call with the session's token; a 401 ends the session. */
export async function api(path: string, opts: { params?: Params; method?: string; body?: unknown; token?: string } = {}): Promise<Response> {
  const token = opts.token ?? getSession()?.token;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(apiUrl(path, opts.params), {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      // The token is in a header; no cookie is ever needed.
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'Network Error', 'The API cannot be reached', 'network_error');
  }
  if (res.ok) return res;
  const err = await errorOf(res);
  if (res.status === 401 && opts.token === undefined) endSession(err);
  throw err;
}

/** The session is over (a 401, an expired token): drop it and say why on the sign-in page. */
export function endSession(err: ApiError): void {
  setSession(undefined);
  onUnauthorized(err);
}

export async function apiJson<T>(path: string, opts: Parameters<typeof api>[1] = {}): Promise<T> {
  const res = await api(path, opts);
  return (res.status === 204 ? undefined : await res.json()) as T;
}
