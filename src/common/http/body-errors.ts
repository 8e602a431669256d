import type { NextFunction, Request, Response } from 'express';
import { DomainError, MalformedJson, PayloadTooLarge } from '../errors/domain-error';

/** What Express's body parser passes to `next(err)`. */
interface BodyParserError {
  type: string;
  status: number;
  limit?: number;
}

const isBodyParserError = (e: unknown): e is BodyParserError =>
  typeof e === 'object' &&
  e !== null &&
  typeof (e as BodyParserError).type === 'string' &&
  typeof (e as BodyParserError).status === 'number';

/**
 * Express error middleware placed right after the body parsers: turns their failures into domain
 * errors, so the one error filter answers them (400 MALFORMED_JSON, 413 PAYLOAD_TOO_LARGE) in the
 * usual shape instead of Nest's generic mapping.
 */
export function bodyParserErrors(
  error: unknown,
  _req: Request,
  _res: Response,
  next: NextFunction,
): void {
  if (!isBodyParserError(error)) return next(error);
  if (error.type === 'entity.parse.failed') return next(new MalformedJson());
  if (error.type === 'entity.too.large') return next(new PayloadTooLarge(error.limit));
  next(
    new DomainError(
      error.status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'UNREADABLE_BODY',
      'invalid',
      'The request body could not be read',
    ),
  );
}
