import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, type FieldIssue, httpStatusFor, validationError } from '../shared/errors.ts';

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    request_id: string;
    issues?: FieldIssue[];
    details?: Record<string, unknown>;
  };
}

function pathOf(context: string | undefined, instancePath: string | undefined): string {
  const inner = (instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const where = context === 'body' || context === undefined ? '' : context;
  return [where, inner].filter(Boolean).join('.');
}

function toAppError(error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = (error as { validationContext?: string }).validationContext;
    return validationError(
      error.validation.map((issue) => ({
        path: pathOf(context, issue.instancePath),
        message: issue.message ?? 'is not valid',
      })),
    );
  }
  const fastifyError = error as FastifyError;
  if (
    fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    fastifyError.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
  ) {
    return validationError([{ path: '(body)', message: fastifyError.message }]);
  }
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new AppError('UNPROCESSABLE', fastifyError.message);
  }
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || fastifyError.statusCode === 413) {
    return new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large');
  }
  if (fastifyError.statusCode === 429) return new AppError('RATE_LIMITED', fastifyError.message);
  if (fastifyError.validation) {
    return validationError(
      fastifyError.validation.map((issue) => ({
        path: pathOf(fastifyError.validationContext, issue.instancePath),
        message: issue.message ?? 'is not valid',
      })),
    );
  }
  return null;
}

export function errorBody(error: AppError, requestId: string): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      request_id: requestId,
      ...(error.issues ? { issues: error.issues } : {}),
      ...(error.details ? { details: error.details } : {}),
    },
  };
}

export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const known = toAppError(error);
  if (known) {
    void reply.status(httpStatusFor(known.code)).send(errorBody(known, request.id));
    return;
  }
  if (isResponseSerializationError(error)) {
    request.log.error({ err: error, issues: error.cause.issues }, 'response did not match its schema');
  } else {
    request.log.error({ err: error }, 'unhandled error');
  }
  void reply.status(500).send({
    error: {
      code: 'INTERNAL',
      message: `Something went wrong on our side. Quote request id ${request.id} when reporting it.`,
      request_id: request.id,
    },
  });
}
