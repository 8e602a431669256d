import { StripeModule } from '@golevelup/nestjs-stripe';
import { MODULE_METADATA } from '@nestjs/common/constants';

/**
 * `@golevelup/nestjs-stripe` declares its own webhook controller (`POST /stripe/webhook`) in its
 * module metadata and mounts it even when no webhook config is given; it has no switch to turn it
 * off. Ours is `POST /v1/webhooks/stripe` (DESIGN §4: it stores the event before acting and
 * answers `{received, duplicate}`). Guarding the library's route still left it registered: it
 * answered 401 before its guard could answer 404, and showed in routes and metrics. So the
 * library's module is declared without controllers before Nest scans it: the route does not
 * exist, and a request to it is the 404 of any unknown path.
 */
export function removeLibraryWebhookRoute(): void {
  Reflect.defineMetadata(MODULE_METADATA.CONTROLLERS, [], StripeModule);
}
