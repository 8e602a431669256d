import type { TestApp } from './test-app';

/**
 * Test data for the prepaid-credits suites: plans, customers, usage and grants through the API.
 * Each call returns the supertest request, so a test can `.expect(...)` what it needs.
 */
export class CreditsScenario {
  constructor(private readonly t: TestApp) {}

  /** A plan charging `unitAmount` per unit on every endpoint, with an optional base fee. */
  plan(
    id: string,
    fields: { currency?: string; unitAmount?: string; baseFee?: string; unitsPerDay?: number } = {},
  ) {
    return this.t.http
      .post('/v1/plans')
      .set(this.t.auth())
      .send({
        id,
        name: id,
        currency: fields.currency ?? 'USD',
        baseFee: fields.baseFee ?? '0',
        minimumCharge: '0',
        limits: { unitsPerDay: fields.unitsPerDay ?? 1_000_000 },
        charges: [
          {
            id: 'calls',
            endpoint: '*',
            aggregation: 'sum',
            model: 'per_unit',
            unitAmount: fields.unitAmount ?? '0.10',
          },
        ],
      });
  }

  customer(id: string, planId: string) {
    return this.t.http
      .post('/v1/customers')
      .set(this.t.auth())
      .send({ id, email: `${id}@example.test`, name: id, planId });
  }

  usage(customerId: string, quantity: number | string, timestamp: string, eventId?: string) {
    return this.t.http
      .post('/v1/usage')
      .set(this.t.auth('ingest'))
      .send({ customerId, endpoint: '/api/search', quantity, timestamp, eventId });
  }

  grant(customerId: string, body: Record<string, unknown>) {
    return this.t.http
      .post(`/v1/customers/${customerId}/credit-grants`)
      .set(this.t.auth())
      .send({ kind: 'purchased', ...body });
  }

  voidGrant(customerId: string, grantId: string, body: Record<string, unknown> = {}) {
    return this.t.http
      .post(`/v1/customers/${customerId}/credit-grants/${grantId}/void`)
      .set(this.t.auth())
      .send(body);
  }

  getGrant(customerId: string, grantId: string) {
    return this.t.http
      .get(`/v1/customers/${customerId}/credit-grants/${grantId}`)
      .set(this.t.auth('read'));
  }

  balance(customerId: string) {
    return this.t.http.get(`/v1/customers/${customerId}/credit-balance`).set(this.t.auth('read'));
  }

  ledger(customerId: string, query = '') {
    return this.t.http
      .get(`/v1/customers/${customerId}/credit-ledger${query}`)
      .set(this.t.auth('read'));
  }

  invoice(customerId: string, period: string) {
    return this.t.http.post('/v1/invoices').set(this.t.auth()).send({ customerId, period });
  }

  finalize(invoiceId: string) {
    return this.t.http.post(`/v1/invoices/${invoiceId}/finalize`).set(this.t.auth());
  }

  voidInvoice(invoiceId: string) {
    return this.t.http.post(`/v1/invoices/${invoiceId}/void`).set(this.t.auth());
  }
}
