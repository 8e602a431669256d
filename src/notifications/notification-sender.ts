import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../common/time/clock';
import type { AppConfig } from '../config/configuration';
import type { NotificationMessage } from './notification-message';
import { SIGNATURE_HEADER, signatureHeader } from './notification-signature';

export const USER_AGENT = 'usage-billing-notifications/1.0';

/** How one POST ended: accepted (2xx), or why not (a status, or no response at all). */
export type SendOutcome =
  { delivered: true; status: number } | { delivered: false; status?: number; reason: string };

/** The host (and port) of a receiver: what logs and errors may show of its URL. */
export const receiverHost = (url: string): string => new URL(url).host;

/**
 * POSTs one message to one receiver: JSON, signed when a secret is configured, bounded by the
 * configured timeout, redirects not followed (a signed message goes only where it was
 * configured to). Never throws: every way it can end is an outcome.
 */
@Injectable()
export class NotificationSender {
  private readonly secret?: string;
  private readonly timeoutMs: number;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly clock: Clock,
  ) {
    const notifications = config.get('notifications', { infer: true });
    this.secret = notifications.secret;
    this.timeoutMs = notifications.timeoutMs;
  }

  async send(url: string, message: NotificationMessage): Promise<SendOutcome> {
    const body = JSON.stringify(message);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': USER_AGENT,
      'X-Billing-Event-Id': message.event.eventId,
      'X-Billing-Event-Type': message.event.type,
    };
    if (this.secret) {
      const now = Math.floor(this.clock.now().getTime() / 1000);
      headers[SIGNATURE_HEADER] = signatureHeader(this.secret, body, now);
    }
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // Only the status matters; the body is dropped unread.
      await response.body?.cancel().catch(() => undefined);
      return response.status >= 200 && response.status < 300
        ? { delivered: true, status: response.status }
        : { delivered: false, status: response.status, reason: `HTTP ${response.status}` };
    } catch (error) {
      return { delivered: false, reason: this.describe(error, url) };
    }
  }

  /** The network error, without the URL (it may hold a token): its host stands in for it. */
  private describe(error: unknown, url: string): string {
    if (error instanceof Error && error.name === 'TimeoutError') {
      return `no response within ${this.timeoutMs} ms`;
    }
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
    const text =
      error instanceof Error
        ? `${error.message}${cause ? ` (${cause.message})` : ''}`
        : String(error);
    return text.split(url).join(receiverHost(url));
  }
}
