import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '../common/metrics/metrics.service';

export type SendResult = 'delivered' | 'failed' | 'already_delivered';

/** Notification POSTs as an operator watches them: accepted, failed (retried), or not needed. */
@Injectable()
export class NotificationsMetrics {
  private readonly sent: Counter<'result'>;

  constructor(metrics: MetricsService) {
    this.sent = metrics.counter({
      name: 'notifications_sent_total',
      help: 'Notification messages per receiver by result: delivered (2xx), failed (non-2xx, network error or timeout; retried with backoff), already_delivered (a redelivered event the receiver already accepted, not sent again)',
      labelNames: ['result'],
    });
  }

  count(result: SendResult): void {
    this.sent.inc({ result });
  }
}
