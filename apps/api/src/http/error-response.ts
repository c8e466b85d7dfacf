import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import { Rejection, type RejectionKind } from '@yuantrace/domain';
import { InvalidEventError, WrongExpectedRevisionError } from '@yuantrace/event-store';
import type { Response } from 'express';

/** The one place where a named rejection becomes an HTTP status. */
export const STATUS_OF: Record<RejectionKind, number> = {
  invalid: HttpStatus.BAD_REQUEST,
  unauthenticated: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  rule: HttpStatus.UNPROCESSABLE_ENTITY,
};

/** PostgreSQL's codes for a server shutting down or a connection lost, and the socket's own. */
const DATABASE_GONE = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', 'ECONNREFUSED', 'ECONNRESET']);

export type ErrorBody = { error: { code: string; message: string; field?: string } };

export function toErrorResponse(e: unknown): { status: number; body: ErrorBody } | undefined {
  if (e instanceof Rejection) {
    return { status: STATUS_OF[e.kind], body: { error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } } };
  }
  if (e instanceof WrongExpectedRevisionError) {
    return { status: 409, body: { error: { code: 'concurrent_update', message: 'the resource changed meanwhile; try again' } } };
  }
  if (e instanceof InvalidEventError) {
    return { status: 400, body: { error: { code: 'invalid_event', message: e.message } } };
  }
  if (e instanceof HttpException) {
    const status = e.getStatus();
    const res = e.getResponse();
    const message = typeof res === 'string' ? res : ((res as { message?: unknown }).message ?? e.message);
    const code =
      status === 404 ? 'route_not_found' : status === 413 ? 'payload_too_large' : status === 400 ? 'malformed_request' : `http_${status}`;
    return { status, body: { error: { code, message: Array.isArray(message) ? message.join('; ') : String(message) } } };
  }
  // The database restarting or unreachable: not the caller's fault, and over in a moment.
  if (typeof e === 'object' && e !== null && (DATABASE_GONE.has(String((e as { code?: unknown }).code)) || /Connection terminated|not queryable|connect ECONNREFUSED/.test(String((e as Error).message)))) {
    return { status: 503, body: { error: { code: 'database_unavailable', message: 'the database cannot be reached just now; try again shortly' } } };
  }
  // Body parser errors (malformed JSON) carry a status and type but are not HttpExceptions.
  if (typeof e === 'object' && e !== null && 'status' in e && 'type' in e) {
    const status = Number((e as { status: number }).status);
    if (status === 413) return { status, body: { error: { code: 'payload_too_large', message: 'the request body is larger than the api takes' } } };
    if (status >= 400 && status < 500) {
      return { status, body: { error: { code: 'malformed_request', message: 'the request body is not valid JSON' } } };
    }
  }
  return undefined;
}

@Catch()
export class ErrorResponseFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost) {
    const response = host.switchToHttp().getResponse<Response>();
    const mapped = toErrorResponse(exception);
    if (mapped) {
      response.status(mapped.status).json(mapped.body);
      return;
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    response.status(500).json({ error: { code: 'internal_error', message: 'an internal error occurred; it has been logged' } });
  }
}
