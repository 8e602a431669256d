import { Injectable } from '@nestjs/common';
import { CreditNoteProvider } from '../../credit-notes/credit-note-provider';
import { type ProviderRefund, refundStatusOf } from '../../stripe';
import {
  type StripeEvent,
  type StripeObject,
  integerField,
  metadataOf,
  objectField,
  stringField,
} from '../stripe-event';
import { type HandlerOutcome, ignored, processed } from './handler-outcome';

const isObject = (value: unknown): value is StripeObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `credit_note.*`, `refund.*`, `charge.refund.updated` and `charge.refunded`: what Stripe says
 * about the credit notes we mirrored there and their refunds. Our note is found by
 * `metadata.creditNoteId` (set on every note we push), a refund by the link made when the note
 * was pushed. Refund statuses only move forward (pending → succeeded | failed), whatever the
 * order and however often events arrive; a refund reported before it is linked is kept and
 * applied once the link is made.
 */
@Injectable()
export class CreditNoteEventsHandler {
  constructor(private readonly notes: CreditNoteProvider) {}

  async creditNote(event: StripeEvent): Promise<HandlerOutcome> {
    const object = event.data.object;
    if (object.object !== 'credit_note') return ignored('data.object is not a credit note');
    const creditNoteId = metadataOf(object).creditNoteId;
    if (!creditNoteId) {
      return ignored('the Stripe credit note has no metadata.creditNoteId: not one of ours');
    }
    const id = stringField(object, 'id');
    if (!id) return ignored('the Stripe credit note has no id');
    const refunds = (Array.isArray(object.refunds) ? object.refunds : [])
      .filter(isObject)
      .flatMap((entry): ProviderRefund[] => {
        const refund = entry.refund;
        const amountMinor = String(integerField(entry, 'amount_refunded') ?? 0);
        if (typeof refund === 'string') {
          return [
            { refundId: refund, amountMinor, status: null, failureReason: null, reportedAt: null },
          ];
        }
        const refundId = isObject(refund) ? stringField(refund, 'id') : undefined;
        if (!isObject(refund) || !refundId) return [];
        return [
          {
            refundId,
            amountMinor,
            status: refundStatusOf(refund.status),
            failureReason: stringField(refund, 'failure_reason') ?? null,
            reportedAt: event.created,
          },
        ];
      });
    const result = await this.notes.applyProviderCreditNote(
      creditNoteId,
      {
        providerCreditNoteId: id,
        providerNumber: stringField(object, 'number') ?? null,
        status: stringField(object, 'status') ?? 'issued',
        refunds,
      },
      event.created,
    );
    if ('ignored' in result) return ignored(result.ignored);
    return processed({
      customerId: result.note.customerId,
      invoiceId: result.note.invoiceId,
      changes: result.changes,
    });
  }

  async refund(event: StripeEvent): Promise<HandlerOutcome> {
    const object = event.data.object;
    if (object.object !== 'refund') return ignored('data.object is not a refund');
    return this.applyRefund(object, event);
  }

  /** The charge's refunds, as listed in it; each is applied like a refund event. */
  async chargeRefunded(event: StripeEvent): Promise<HandlerOutcome> {
    const object = event.data.object;
    if (object.object !== 'charge') return ignored('data.object is not a charge');
    const listed = objectField(object, 'refunds')?.data;
    const refunds = (Array.isArray(listed) ? listed : []).filter(isObject);
    if (refunds.length === 0) {
      return ignored('the charge lists no refunds; refund events report each one');
    }
    const outcomes: HandlerOutcome[] = [];
    for (const refund of refunds) outcomes.push(await this.applyRefund(refund, event));
    const done = outcomes.filter((o) => o.status === 'processed');
    if (done.length === 0) return ignored(outcomes.map((o) => o.reason).join('; '));
    return processed({
      customerId: done[0].result.customerId,
      invoiceId: done[0].result.invoiceId,
      changes: done.flatMap((o) => o.result.changes),
    });
  }

  private async applyRefund(refund: StripeObject, event: StripeEvent): Promise<HandlerOutcome> {
    const refundId = stringField(refund, 'id');
    if (!refundId) return ignored('the refund has no id');
    const status = refundStatusOf(refund.status);
    if (!status) return ignored(`refund ${refundId} has status ${String(refund.status)}`);
    const { note, changes } = await this.notes.applyRefundReport(refundId, {
      status,
      at: event.created,
      failureReason: stringField(refund, 'failure_reason') ?? null,
    });
    if (!note) {
      return ignored(
        `refund ${refundId} is not linked to a credit note of ours (yet): its status is kept and applied if it is`,
      );
    }
    return processed({ customerId: note.customerId, invoiceId: note.invoiceId, changes });
  }
}
