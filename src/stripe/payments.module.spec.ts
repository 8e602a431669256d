import { Logger } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { startFakeStripe, type FakeStripe } from '../../test/fakes/fake-stripe';
import { ResilienceModule } from '../common/resilience';
import { loadConfig } from '../config/configuration';
import { MetricsModule } from '../common/metrics/metrics.module';
import { PaymentGateway } from './payment-gateway';
import { PaymentsModule } from './payments.module';
import { NoopPaymentGateway } from './noop-payment-gateway';
import { StripePaymentGateway } from './stripe-payment-gateway';

/** The module's wiring: which gateway it picks, and that the client honours STRIPE_API_*. */
describe('PaymentsModule', () => {
  let fake: FakeStripe;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    fake = await startFakeStripe();
  });
  afterAll(() => fake.close());

  async function gatewayFor(env: Record<string, string>) {
    return (await compile(env)).get(PaymentGateway);
  }

  function compile(env: Record<string, string>) {
    const config = loadConfig({ NODE_ENV: 'test', ...env });
    return Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [() => config],
        }),
        MetricsModule,
        ResilienceModule,
        PaymentsModule,
      ],
    }).compile();
  }

  it('provides a disabled gateway when no STRIPE_SECRET_KEY is set', async () => {
    const gateway = await gatewayFor({});
    expect(gateway).toBeInstanceOf(NoopPaymentGateway);
    expect(gateway.enabled).toBe(false);
  });

  it('provides the Stripe gateway, talking to STRIPE_API_HOST/PORT/PROTOCOL', async () => {
    const gateway = await gatewayFor({
      STRIPE_SECRET_KEY: 'sk_test_module',
      STRIPE_API_HOST: fake.host,
      STRIPE_API_PORT: String(fake.port),
      STRIPE_API_PROTOCOL: 'http',
    });
    expect(gateway).toBeInstanceOf(StripePaymentGateway);
    expect(gateway.enabled).toBe(true);
    const { providerCustomerId } = await gateway.ensureCustomer({
      customerId: 'acme',
      email: 'billing@acme.test',
      name: 'Acme',
    });
    expect(fake.state.customers.has(providerCustomerId)).toBe(true);
    expect(fake.requests.at(-1)).toMatchObject({
      stripeVersion: '2026-02-25.clover',
      idempotencyKey: 'billing-cus-acme',
    });
  });

  it("neither serves nor documents the library's own POST /stripe/webhook route", async () => {
    const app = (await compile({ STRIPE_SECRET_KEY: 'sk_test_module' })).createNestApplication();
    await app.init();
    try {
      const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
      expect(Object.keys(document.paths)).not.toContain('/stripe/webhook');
      await request(app.getHttpServer()).post('/stripe/webhook').send({}).expect(404);
    } finally {
      await app.close();
    }
  });
});
