// OpenAI-style errors: every failure the server answers is an ApiError with an HTTP status and the
// body `{ error: { message, type, param, code } }` that the official clients parse into their own
// error classes (BadRequestError, AuthenticationError, RateLimitError, …).

/** The `type` field of an OpenAI error body. */
export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'server_error'
  | 'service_unavailable_error';

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { message: string; type: ApiErrorType; param: string | null; code: string | null };
}

export interface ApiErrorOptions {
  param?: string | null;
  code?: string | null;
  /** Extra response headers, e.g. Retry-After on a 429. */
  headers?: Readonly<Record<string, string>>;
  cause?: unknown;
}

/** An error with the status and body the client should see. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly type: ApiErrorType;
  readonly param: string | null;
  readonly code: string | null;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, type: ApiErrorType, message: string, options: ApiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.type = type;
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.headers = options.headers ?? {};
  }

  get body(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400 invalid_request_error. */
export function badRequest(message: string, param: string | null = null, code: string | null = null): ApiError {
  return new ApiError(400, 'invalid_request_error', message, { param, code });
}

/** Any thrown value as an ApiError: ApiErrors pass through, everything else is a 500 whose message is kept. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(500, 'server_error', `internal error: ${message}`, { code: 'internal_error', cause: error });
}
