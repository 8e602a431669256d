import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import { isStoreUnavailable } from '../../common/errors/store-errors';
import type { Customer } from '../../customers/customer.model';
import { InvalidInvoiceTransition } from '../invoice.errors';
import type { Invoice } from '../invoice.model';
import { InvoicesService } from '../invoices.service';
import type { CustomerRunStatus } from './billing-run.model';

export interface CustomerOutcome {
  status: CustomerRunStatus;
  invoiceId?: string;
  reason?: string;
  error?: { code: string; message: string };
  /** What failed, for the log; never stored (progress keeps `error`). */
  cause?: unknown;
}

const MAX_MESSAGE = 300;

/** A failure as the run reports it: our domain code and message, never internals of a bug. */
export function describeFailure(error: unknown): { code: string; message: string } {
  if (error instanceof DomainError) {
    return { code: error.code, message: error.message.slice(0, MAX_MESSAGE) };
  }
  if (isStoreUnavailable(error)) {
    return { code: 'STORE_UNAVAILABLE', message: 'The data store is unavailable' };
  }
  return { code: 'INTERNAL_ERROR', message: 'An unexpected error occurred (see the logs)' };
}

/** The outcome of a customer whose billing threw `error`: retried by the next pass. */
export function failedOutcome(error: unknown): CustomerOutcome {
  return { status: 'failed', error: describeFailure(error), cause: error };
}

/**
 * Bills one customer for a closed period: creates the invoice (or finds the one that exists:
 * the id is the natural key, so this never makes a second one) and finalizes it if it is still
 * a draft. An invoice that is already past draft counts as done, whoever finalized it.
 *
 * The per-customer path, through the same service calls as the API (a dozen store calls). Runs
 * bill in chunks (`ChunkBiller`) and come here only for what a chunk cannot settle by itself: a
 * draft left by an earlier pass, or a chunk that met an invoice someone else was writing.
 */
@Injectable()
export class CustomerBiller {
  constructor(private readonly invoices: InvoicesService) {}

  async bill(customer: Customer, period: string): Promise<CustomerOutcome> {
    if (customer.status === 'archived') return { status: 'skipped', reason: 'archived' };
    const { invoice } = await this.invoices.create(customer.id, period);
    const final = invoice.status === 'draft' ? await this.finalize(invoice) : invoice;
    return { status: 'invoiced', invoiceId: final.id };
  }

  private async finalize(draft: Invoice): Promise<Invoice> {
    try {
      return await this.invoices.finalize(draft.id);
    } catch (error) {
      // Finalized (or voided) by someone else between our read and our write: done, not failed.
      if (error instanceof InvalidInvoiceTransition) {
        const current = await this.invoices.get(draft.id);
        if (current.status !== 'draft') return current;
      }
      throw error;
    }
  }
}
