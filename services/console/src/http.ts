/**
 * What a Management API call is made of and fails with, without the session: live-tail.ts and
 * the unit tests (run in Node) use these too.
 */
/** Auth0's error body, as every apptrail error answer carries it. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string,
    readonly errorCode: string | undefined,
  ) {
    super(message);
  }
}

export type Params = Record<string, string | number | boolean | undefined>;

export function apiUrl(path: string, params: Params = {}): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, String(v));
  const qs = search.toString();
  return `/api/v2${path}${qs ? `?${qs}` : ''}`;
}


/** Auth0's error body {statusCode, error, message, errorCode} as an ApiError, whatever came. */
export function apiError(status: number, statusText: string, body: unknown): ApiError {
  const b = (body ?? {}) as Partial<Record<'statusCode' | 'error' | 'message' | 'errorCode', unknown>>;
  return new ApiError(
    typeof b.statusCode === 'number' ? b.statusCode : status,
    typeof b.error === 'string' ? b.error : statusText,
    typeof b.message === 'string' ? b.message : `The API answered ${status}`,
    typeof b.errorCode === 'string' ? b.errorCode : undefined,
  );
}
