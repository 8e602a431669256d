import { Injectable, PipeTransform } from '@nestjs/common';
import { ValidationFailed } from '../errors/domain-error';

/** Ids are part of table keys: letters, digits, `_`, `-`, `.`; never `#`. */
export const RESOURCE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** The characters any id of ours (and Stripe's) is made of. */
const ID_CHARACTERS = /^[A-Za-z0-9_.-]+$/;

/** The longest id each kind of resource can have. */
export const MAX_ID_LENGTH = {
  /** Customers and plans: RESOURCE_ID_PATTERN. */
  resource: 64,
  /** `inv_<customer id>_<YYYY-MM>`. */
  invoice: 'inv_'.length + 64 + '_YYYY-MM'.length,
  /** Stripe event ids (`evt_…`). */
  stripeEvent: 255,
};

/**
 * A route `:id` is looked up whenever it could name a resource — the characters ids are made of,
 * no longer than that resource's longest id — so a well-formed unknown id is the resource's 404
 * whatever pattern our ids happen to follow. Only what can never be an id (too long, control
 * characters, spaces, `#`, `/`, non-ASCII…) is a 400.
 */
export function checkRouteId(value: unknown, maxLength: number): string {
  if (typeof value !== 'string' || value.length > maxLength || !ID_CHARACTERS.test(value)) {
    throw new ValidationFailed([
      {
        field: 'id',
        messages: [`id must be 1-${maxLength} letters, digits, "_", "-" or "."`],
      },
    ]);
  }
  return value;
}

/** `:id` of customers and plans. */
@Injectable()
export class ResourceIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    return checkRouteId(value, MAX_ID_LENGTH.resource);
  }
}
