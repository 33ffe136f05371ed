// Small HTTP pieces: the Bearer API key check, JSON body parsing with a size limit, and writing
// an ApiError as a response.
import { timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { ApiError, badRequest } from './errors.ts';
import { validationError } from './params.ts';

/** Responds with an ApiError's status, headers and OpenAI-style body. */
export function errorResponse(c: Context, error: ApiError): Response {
  for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
  return c.json(error.body, error.status as ContentfulStatusCode);
}

/** Requires `Authorization: Bearer <apiKey>` (compared in constant time); 401 otherwise. */
export function bearerAuth(apiKey: string): MiddlewareHandler {
  const expected = Buffer.from(apiKey, 'utf8');
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const given = Buffer.from(match?.[1]?.trim() ?? '', 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      c.header('WWW-Authenticate', 'Bearer');
      const message = match ? 'Incorrect API key provided' : 'Missing API key: send an Authorization: Bearer <key> header';
      return errorResponse(c, new ApiError(401, 'authentication_error', message, { code: 'invalid_api_key' }));
    }
    await next();
  };
}

/** 413 for bodies over `maxBytes`, whether announced by Content-Length or streamed. */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      c.header('Connection', 'close');
      return errorResponse(c, new ApiError(413, 'invalid_request_error', `request body over the limit of ${maxBytes} bytes (server --max-body-bytes)`, { code: 'request_too_large' }));
    },
  });
}

/** Parses the body as JSON and validates it; 400 with the offending parameter otherwise. */
export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let text: string;
  try {
    text = await c.req.text();
  } catch (error) {
    // E.g. the client went away mid-upload: its fault, not the server's.
    throw badRequest(`could not read the request body: ${(error as Error).message}`, null, 'invalid_body');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw badRequest(`the body is not valid JSON: ${(error as Error).message}`, null, 'invalid_json');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw badRequest('the body must be a JSON object', null, 'invalid_json');
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}
