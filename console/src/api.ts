// The console's one way to the PortLink REST API (same origin; the session cookie authenticates). Every error
// the API returns is an RFC 9457 problem: it comes back as an ApiError whose message is meant for a person.

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    readonly operation?: string,
  ) {
    super(detail || title);
  }

  get unauthenticated(): boolean {
    return this.status === 401;
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

/** Fired when the API says the session is gone (expired, signed out elsewhere): the shell asks to sign in. */
export const SESSION_LOST = "portlink:session-lost";

function url(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function problem(response: Response, notify: boolean): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    body = await response.json();
  } catch {
    // not JSON: a proxy's page, say
  }
  const error = new ApiError(
    response.status,
    String(body.type ?? `/problems/http-${response.status}`),
    String(body.title ?? response.statusText),
    String(body.detail ?? `${response.status} ${response.statusText}`),
    (body.errors as FieldError[] | undefined) ?? [],
    body.operation as string | undefined,
  );
  if (notify && error.unauthenticated) window.dispatchEvent(new CustomEvent(SESSION_LOST, { detail: error }));
  return error;
}

export async function request<T>(
  method: string,
  path: string,
  // quiet401: a 401 is this request's own answer (signing in), not a session lost on the way.
  options: { query?: Query; body?: unknown; idempotencyKey?: string; quiet401?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
  let response: Response;
  try {
    response = await fetch(url(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, "/problems/network", "Network error", "The PortLink API does not answer: is it running?");
  }
  if (response.status === 204) return undefined as T;
  if (!response.ok) throw await problem(response, !options.quiet401);
  return (await response.json()) as T;
}

export const get = <T>(path: string, query?: Query) => request<T>("GET", path, { query });

/** A page of a list route. */
export interface Page<T> {
  total: number;
  limit: number;
  offset: number;
  data: T[];
}
