import { Injectable, PipeTransform } from '@nestjs/common';
import { ValidationFailed } from '../errors/domain-error';

/** Ids are part of table keys: letters, digits, `_`, `-`, `.`; never `#`. */
export const RESOURCE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** Checks a route parameter against a pattern; a malformed id is a 400, not a lookup. */
export function checkRouteId(value: unknown, pattern: RegExp, what: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new ValidationFailed([{ field: 'id', messages: [`id must be a valid ${what}`] }]);
  }
  return value;
}

/** `:id` of customers and plans. */
@Injectable()
export class ResourceIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    return checkRouteId(value, RESOURCE_ID_PATTERN, 'id (1-64 letters, digits, "_", "-", ".")');
  }
}
