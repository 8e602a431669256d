import { StripeWebhookController } from '@golevelup/nestjs-stripe';
import { NotFoundException, UseGuards, type CanActivate } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

/**
 * `@golevelup/nestjs-stripe` always mounts its own webhook controller at `POST /stripe/webhook`,
 * even when no webhook config is given. Ours is `POST /v1/webhooks/stripe` (DESIGN §4: it stores
 * the event before acting and answers `{received, duplicate}`), so the library's route is dead
 * weight that would appear in /docs and answer 500 ("Missing stripe-signature header").
 * The library offers no switch, so its controller class is hidden from OpenAPI and answers 404.
 */
class LibraryWebhookRouteDisabled implements CanActivate {
  canActivate(): boolean {
    throw new NotFoundException('Cannot POST /stripe/webhook');
  }
}

let disabled = false;

export function disableLibraryWebhookRoute(): void {
  if (disabled) return;
  disabled = true;
  ApiExcludeController()(StripeWebhookController);
  // An instance, not a class: it needs no DI and so no registration in the library's module.
  UseGuards(new LibraryWebhookRouteDisabled())(StripeWebhookController);
}
