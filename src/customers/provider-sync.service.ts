import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/configuration';
import { Job } from '../jobs/job';
import { runsJobsInProcess } from '../jobs/jobs.config';
import { PaymentGateway } from '../stripe';
import { CustomerNotFound } from './customer.errors';
import type { Customer } from './customer.model';
import { CustomersRepository } from './customers.repository';
import { CustomersService } from './customers.service';

const RETRY_INTERVAL_MS = 30_000;
const RETRY_BATCH = 25;

/**
 * Gives every customer its payment-provider customer. Tried right after creation; when the
 * provider fails, the customer keeps its sync marker and the job below retries until it works.
 * The provider call is idempotent on our customer id, so retries never create a second one.
 */
@Injectable()
export class ProviderSync implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ProviderSync');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly gateway: PaymentGateway,
    private readonly customers: CustomersService,
    private readonly repository: CustomersRepository,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.gateway.enabled || !runsJobsInProcess(this.config)) return;
    this.timer = setInterval(() => void this.retryPending(), RETRY_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * Right after a customer was created: one attempt now, so the response can already carry the
   * provider customer. A failure leaves the customer to the retry job. Returns the customer as
   * it is now.
   */
  async onCreated(customer: Customer): Promise<Customer> {
    if (!this.gateway.enabled) return customer;
    try {
      await this.sync(customer.id);
    } catch (error) {
      this.logger.warn(
        { err: error, customerId: customer.id },
        'Payment-provider customer not created yet; will retry',
      );
    }
    return this.customers.get(customer.id);
  }

  /** The customer's provider id, creating the provider customer when it has none yet. */
  async sync(customerId: string): Promise<string> {
    const customer = await this.customers.get(customerId);
    const linked = customer.providerCustomer;
    let providerId = linked?.provider === this.gateway.provider ? linked.id : undefined;
    if (!providerId) {
      ({ providerCustomerId: providerId } = await this.gateway.ensureCustomer({
        customerId: customer.id,
        email: customer.email,
        name: customer.name,
        metadata: customer.metadata,
      }));
      await this.customers.attachProviderCustomer(customerId, {
        provider: this.gateway.provider,
        id: providerId,
      });
    }
    await this.repository.clearSyncPending(customerId);
    return providerId;
  }

  /** One pass over customers still waiting; returns how many were synced. */
  async retryPending(): Promise<number> {
    let synced = 0;
    for (const customerId of await this.repository.listSyncPending(RETRY_BATCH)) {
      try {
        await this.sync(customerId);
        synced++;
      } catch (error) {
        if (error instanceof CustomerNotFound) {
          await this.repository.clearSyncPending(customerId);
          continue;
        }
        this.logger.warn({ err: error, customerId }, 'Payment-provider customer sync failed');
        break; // the provider is likely down; the next pass tries again
      }
    }
    return synced;
  }
}

/**
 * `provider-sync`: one pass of `ProviderSync.retryPending` (what each instance runs every 30 s
 * in container mode); nothing to do without a payment provider.
 */
@Injectable()
export class ProviderSyncJob extends Job<{ synced: number }> {
  readonly name = 'provider-sync';

  constructor(
    private readonly sync: ProviderSync,
    private readonly gateway: PaymentGateway,
  ) {
    super();
  }

  async run(): Promise<{ synced: number }> {
    return { synced: this.gateway.enabled ? await this.sync.retryPending() : 0 };
  }
}
