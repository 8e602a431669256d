import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { type FieldProblem, ValidationFailed } from './domain-error';

/** Flattens class-validator's tree into `field` paths such as `events[3].quantity`. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const error of errors) {
    const isIndex = /^\d+$/.test(error.property);
    const field = parent
      ? isIndex
        ? `${parent}[${error.property}]`
        : `${parent}.${error.property}`
      : error.property;
    if (error.constraints) {
      out.push({ field, messages: Object.values(error.constraints) });
    }
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

/** Deeper than any body of ours (a plan document is 5 levels); deeper is an attack. */
export const MAX_BODY_DEPTH = 32;

/** Depth of nested arrays/objects, counted without recursion so no input can blow the stack. */
export function exceedsDepth(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Nest's pipe plus two checks on bodies before anything walks them: the nesting depth (the pipe's
 * own prototype-key stripping, class-transformer and class-validator all recurse, so a 5,000-level
 * body overflowed the stack: 500), and, for handlers that take the body untyped
 * (`Record<string, unknown>`, checked field by field by their service), that there is a JSON
 * object at all: Express 5 leaves `req.body` undefined when no parser ran (no or another
 * Content-Type), which those handlers would dereference (500).
 */
class AppValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      if (exceedsDepth(value, MAX_BODY_DEPTH)) {
        throw new ValidationFailed(
          [
            {
              field: 'body',
              messages: [`the body is nested deeper than ${MAX_BODY_DEPTH} levels`],
            },
          ],
          'The request body is nested too deeply',
        );
      }
      const untyped = metadata.metatype === undefined || metadata.metatype === Object;
      if (untyped && (typeof value !== 'object' || value === null)) {
        throw new ValidationFailed([
          {
            field: 'body',
            messages: ['the body must be a JSON object (Content-Type: application/json)'],
          },
        ]);
      }
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new AppValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailed(flattenValidationErrors(errors)),
  });
}
