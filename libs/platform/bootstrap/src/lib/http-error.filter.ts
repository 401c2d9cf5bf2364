import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ChatError, HTTP_STATUS, type ErrorCode } from '@chat/contracts';
import { Metrics } from '@chat/platform-observability';

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

/** The one place REST errors (the gateway's, media's) become `{error: {code, message}}`; nothing else leaks. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('HttpErrorFilter');
  constructor(private readonly metrics: Metrics) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const res = host.switchToHttp().getResponse<Response>();
    let error: ChatError;
    if (exception instanceof ChatError) error = exception;
    else if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED');
      const message =
        code === 'VALIDATION_FAILED' && status === 400 ? 'malformed request' : code === 'NOT_FOUND' ? 'no such route' : code.toLowerCase().replace(/_/g, ' ');
      error = new ChatError(code, message);
    } else if (isBodyParserError(exception)) {
      error = exception.status === 413 ? new ChatError('PAYLOAD_TOO_LARGE', 'request body too large') : new ChatError('VALIDATION_FAILED', 'malformed JSON');
    } else {
      this.log.error({ err: exception }, 'unexpected error');
      error = new ChatError('INTERNAL', 'internal error');
    }
    this.metrics.errors.inc({ code: error.code });
    res.status(HTTP_STATUS[error.code]).json({ error: error.toBody() });
  }
}

function isBodyParserError(e: unknown): e is { status: number; type: string } {
  return !!e && typeof e === 'object' && typeof (e as { type?: unknown }).type === 'string' && typeof (e as { status?: unknown }).status === 'number';
}
