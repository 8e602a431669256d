import { noSuch } from './errors';
import { allowOnly, str } from './params';
import type { Router } from './router';
import { paginate } from './store';
import type { StripeObject } from './types';

/** Lets code under test re-fetch an event by id, as webhook handlers often do. */
export function registerEvents(router: Router): void {
  router.add('GET', '/v1/events/:id', ({ store, params }) => {
    const event = store.events.find((e: StripeObject) => e.id === params.id);
    if (!event) throw noSuch('event', params.id, 'id', 404);
    return event;
  });

  router.add('GET', '/v1/events', ({ store, input }) => {
    allowOnly(input, [
      'type',
      'types',
      'created',
      'delivery_success',
      'limit',
      'starting_after',
      'ending_before',
    ]);
    const type = str(input, 'type');
    const types = Array.isArray(input.types) ? (input.types as string[]) : undefined;
    const matches = (t: string) => {
      if (types) return types.includes(t);
      if (!type) return true;
      // Stripe allows a single trailing/leading wildcard, e.g. `invoice.*`.
      const re = new RegExp(`^${type.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`);
      return re.test(t);
    };
    const list = store.events.filter((e: StripeObject) => matches(e.type as string)).reverse();
    return paginate('/v1/events', list, input);
  });
}
