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

/** A lone UTF-16 surrogate: in a `u` regex a paired surrogate is one code point, not a match. */
const LONE_SURROGATE = /\p{Cs}/u;
const NOT_UNICODE = 'is not valid Unicode text (it holds a lone UTF-16 surrogate)';

/**
 * The fields of an input that hold text which is not valid Unicode (a lone UTF-16 surrogate, as
 * JSON's `\ud800` escapes produce). Such text breaks CSV exports, documents and the systems we
 * send data to, so it is refused in every field, keys included, named by path
 * (`events[3].endpoint`, `metadata.k`). Walked without recursion; body depth is checked before.
 */
export function invalidUnicodeFields(
  value: unknown,
  root = '',
  rootLabel = 'body',
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    const field = path || rootLabel;
    if (typeof node === 'string') {
      if (LONE_SURROGATE.test(node))
        problems.push({ field, messages: [`${field} ${NOT_UNICODE}`] });
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    const isArray = Array.isArray(node);
    for (const [key, child] of Object.entries(node)) {
      if (!isArray && LONE_SURROGATE.test(key)) {
        problems.push({ field, messages: [`a key of ${field} ${NOT_UNICODE}`] });
        continue;
      }
      const childPath = isArray ? `${path}[${key}]` : path ? `${path}.${key}` : key;
      stack.push([child, childPath]);
    }
  }
  return problems.reverse();
}

/**
 * Nest's pipe plus checks on inputs before anything walks them: text must be valid Unicode in
 * bodies, query and route parameters, whatever handler takes them (one place, not per field);
 * and two checks on bodies: the nesting depth (the pipe's own prototype-key stripping,
 * class-transformer and class-validator all recurse, so a 5,000-level body overflowed the stack:
 * 500), and, for handlers that take the body untyped
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
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const problems = invalidUnicodeFields(value, metadata.data ?? '', metadata.type);
      if (problems.length > 0) throw new ValidationFailed(problems);
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
