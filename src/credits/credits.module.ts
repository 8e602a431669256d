import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { BillingModule } from '../billing/billing.module';
import { CustomersModule } from '../customers/customers.module';
import { EventsModule } from '../events';
import { PricingModule } from '../pricing/pricing.module';
import { UsageModule } from '../usage/usage.module';
import { CreditBalanceService } from './credit-balance.service';
import { CreditDrawdown } from './credit-drawdown';
import { CreditExpiry, CreditExpiryJob } from './credit-expiry';
import { CreditGate } from './credit-gate';
import { CreditLedger } from './credit-ledger';
import { CreditSpendRepository } from './credit-spend.repository';
import { CreditsController } from './credits.controller';
import { CreditsInvoiceAdjuster } from './credits-invoice-adjuster';
import { CreditsRepository } from './credits.repository';
import { CreditsReversalSubscriber } from './credits-reversal.subscriber';
import { CreditsService } from './credits.service';
// The module's configuration: defined on import, validated at start with every other fragment.
import './credits.config';

/**
 * Prepaid credits: grants, an exact ledger, drawdown on invoices (an invoice adjuster billing
 * finds by class), reversal when an invoice is voided (a durable event subscriber), and the
 * expiry sweep, and real-time blocking of usage for customers that do not allow overdraft (a
 * usage gate the usage module finds by class). Billing knows nothing of this module; this module reads invoices, charges and
 * usage through those modules' exported services.
 */
@Module({
  imports: [CustomersModule, PricingModule, UsageModule, BillingModule, EventsModule, AuditModule],
  controllers: [CreditsController],
  providers: [
    CreditsRepository,
    CreditLedger,
    CreditDrawdown,
    CreditsService,
    CreditBalanceService,
    CreditsInvoiceAdjuster,
    CreditsReversalSubscriber,
    CreditExpiry,
    CreditExpiryJob,
    CreditSpendRepository,
    CreditGate,
  ],
  // Credit notes turn their credit into grants (and void them) in their own transactions;
  // alerts read the balance.
  exports: [CreditsService, CreditBalanceService],
})
export class CreditsModule {}
