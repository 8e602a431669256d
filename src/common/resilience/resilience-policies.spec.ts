import { Logger } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { MetricsService } from '../metrics/metrics.service';
import { DependencyBreakersHealthIndicator } from './dependency-breakers.health';
import { DependencyUnavailable } from './dependency-errors';
import { ResiliencePolicies } from './resilience-policies';
import type { ResilienceOptions } from './resilience.options';

/** An error shaped like an HTTP client's, so the default classifier can judge it. */
class HttpError extends Error {
  constructor(readonly statusCode: number) {
    super(`HTTP ${statusCode}`);
  }
}
const networkError = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

const FAST: Partial<ResilienceOptions> = {
  attempts: 3,
  baseDelayMs: 1,
  maxDelayMs: 5,
  timeoutMs: 200,
  breakerThreshold: 100,
  halfOpenAfterMs: 60_000,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Fails with the given errors in order, then succeeds; counts calls. */
function flaky(...errors: Error[]) {
  const fn = jest.fn(async () => {
    const error = errors.shift();
    if (error) throw error;
    return 'ok';
  });
  return fn;
}

describe('ResiliencePolicies', () => {
  beforeAll(() => Logger.overrideLogger(false));

  let metrics: MetricsService;
  let policies: ResiliencePolicies;

  beforeEach(() => {
    metrics = new MetricsService();
    policies = new ResiliencePolicies(metrics);
  });

  const metricValue = async (name: string, labels: Record<string, string>) => {
    const metric = await metrics.registry.getSingleMetric(name)?.get();
    const match = metric?.values.find((v) =>
      Object.entries(labels).every(([k, value]) => v.labels[k] === value),
    );
    return match?.value;
  };

  describe('retry', () => {
    it.each([
      ['a 503', () => new HttpError(503)],
      ['a 500', () => new HttpError(500)],
      ['a 429', () => new HttpError(429)],
      ['a network error', networkError],
    ])('retries %s and returns the eventual success', async (_label, make) => {
      const fn = flaky(make(), make());
      await expect(policies.for('dep', FAST).execute(fn)).resolves.toBe('ok');
      expect(fn).toHaveBeenCalledTimes(3);
      expect(await metricValue('dependency_retries_total', { dependency: 'dep' })).toBe(2);
      expect(
        await metricValue('dependency_calls_total', { dependency: 'dep', outcome: 'success' }),
      ).toBe(1);
    });

    it.each([400, 404, 409, 422])(
      'never retries a %i: the original error reaches the caller',
      async (status) => {
        const error = new HttpError(status);
        const fn = flaky(error);
        await expect(policies.for('dep', FAST).execute(fn)).rejects.toBe(error);
        expect(fn).toHaveBeenCalledTimes(1);
        expect(
          await metricValue('dependency_calls_total', { dependency: 'dep', outcome: 'rejected' }),
        ).toBe(1);
      },
    );

    it('gives up after `attempts` with DependencyUnavailable (503, code from the name)', async () => {
      const fn = flaky(...Array.from({ length: 5 }, () => new HttpError(502)));
      const error = await policies
        .for('eventbridge', FAST)
        .execute(fn)
        .catch((e: unknown) => e);
      expect(fn).toHaveBeenCalledTimes(3);
      expect(error).toBeInstanceOf(DependencyUnavailable);
      expect(error).toMatchObject({
        code: 'EVENTBRIDGE_UNAVAILABLE',
        kind: 'unavailable',
        details: { dependency: 'eventbridge', reason: 'retries_exhausted' },
        retryAfterSeconds: 5,
        cause: expect.any(HttpError),
      });
    });

    it('uses the classifier it is given instead of the default one', async () => {
      const isTransient = (e: unknown) => e instanceof Error && e.message === 'try again';
      const policy = policies.for('custom', { ...FAST, isTransient });
      const retried = flaky(new Error('try again'));
      await expect(policy.execute(retried)).resolves.toBe('ok');
      const fatal = new HttpError(503);
      await expect(policy.execute(flaky(fatal))).rejects.toBe(fatal);
    });
  });

  describe('timeout', () => {
    it('bounds each attempt, retries timed-out attempts, then reports reason "timeout"', async () => {
      const fn = jest.fn((signal: AbortSignal) => {
        return new Promise<string>((resolve) => {
          const timer = setTimeout(() => resolve('late'), 1_000);
          signal.addEventListener('abort', () => clearTimeout(timer));
        });
      });
      const started = Date.now();
      const error = await policies
        .for('slow', { ...FAST, timeoutMs: 30 })
        .execute(fn)
        .catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(900);
      expect(fn).toHaveBeenCalledTimes(3);
      expect(fn.mock.calls.every(([signal]) => signal.aborted)).toBe(true);
      expect(error).toMatchObject({ code: 'SLOW_UNAVAILABLE', details: { reason: 'timeout' } });
    });

    it('lets an attempt that finishes in time through', async () => {
      const policy = policies.for('quick', { ...FAST, timeoutMs: 500 });
      await expect(policy.execute(async () => (await sleep(5), 'done'))).resolves.toBe('done');
    });
  });

  describe('circuit breaker', () => {
    const breakerOptions = { ...FAST, attempts: 1, breakerThreshold: 3, halfOpenAfterMs: 50 };

    it('opens after N consecutive failures and then fails fast without calling', async () => {
      const policy = policies.for('stripe', breakerOptions);
      for (let i = 0; i < 3; i++) {
        await expect(policy.execute(flaky(new HttpError(500)))).rejects.toBeInstanceOf(
          DependencyUnavailable,
        );
      }
      expect(policy.state).toBe('open');
      const fn = flaky();
      const error = await policy.execute(fn).catch((e: unknown) => e);
      expect(fn).not.toHaveBeenCalled();
      expect(error).toMatchObject({
        code: 'STRIPE_UNAVAILABLE',
        details: { reason: 'circuit_open' },
        retryAfterSeconds: 1,
      });
      expect(policies.snapshot().stripe).toMatchObject({
        state: 'open',
        openedAt: expect.any(String),
        retryInSeconds: 1,
      });
      expect(await metricValue('dependency_circuit_state', { dependency: 'stripe' })).toBe(2);
      expect(
        await metricValue('dependency_calls_total', {
          dependency: 'stripe',
          outcome: 'short_circuited',
        }),
      ).toBe(1);
    });

    it('half-opens after the wait: a successful trial closes it, a failed one reopens it', async () => {
      const policy = policies.for('stripe', breakerOptions);
      const trip = async () => {
        for (let i = 0; i < 3; i++) await policy.execute(flaky(new HttpError(503))).catch(() => {});
      };
      await trip();
      expect(policy.state).toBe('open');
      await sleep(60);

      await expect(policy.execute(flaky(new HttpError(503)))).rejects.toBeInstanceOf(
        DependencyUnavailable,
      );
      expect(policy.state).toBe('open');
      await sleep(60);

      let stateDuringTrial: string | undefined;
      await policy.execute(async () => {
        await sleep(1); // cockatiel marks the breaker half-open just after starting the trial
        stateDuringTrial = policy.state;
        return 'ok';
      });
      expect(stateDuringTrial).toBe('half-open');
      expect(policy.state).toBe('closed');
      expect(await metricValue('dependency_circuit_state', { dependency: 'stripe' })).toBe(0);
    });

    it('counts attempts, so retries of one call can open it; then it stops retrying', async () => {
      const policy = policies.for('stripe', { ...breakerOptions, attempts: 5 });
      const fn = flaky(...Array.from({ length: 5 }, () => new HttpError(500)));
      const error = await policy.execute(fn).catch((e: unknown) => e);
      expect(fn).toHaveBeenCalledTimes(3);
      expect(error).toMatchObject({ details: { reason: 'circuit_open' } });
    });

    it('is not tripped by rejections: the dependency is answering', async () => {
      const policy = policies.for('stripe', breakerOptions);
      for (let i = 0; i < 10; i++) await policy.execute(flaky(new HttpError(400))).catch(() => {});
      expect(policy.state).toBe('closed');
    });

    it('is one breaker per dependency, shared by all its callers, and only that one', async () => {
      const stripe = policies.for('stripe', breakerOptions);
      expect(policies.for('stripe')).toBe(stripe);
      const eventbridge = policies.for('eventbridge', breakerOptions);
      for (let i = 0; i < 3; i++) await stripe.execute(flaky(new HttpError(500))).catch(() => {});
      expect(policies.for('stripe').state).toBe('open');
      expect(eventbridge.state).toBe('closed');
      await expect(eventbridge.execute(flaky())).resolves.toBe('ok');
      expect(policies.snapshot()).toEqual({
        stripe: expect.objectContaining({ state: 'open' }),
        eventbridge: { state: 'closed' },
      });
    });

    it('refuses a second, different configuration of the same dependency', () => {
      policies.for('stripe', breakerOptions);
      expect(() => policies.for('stripe', { ...breakerOptions })).not.toThrow();
      expect(() => policies.for('stripe', { ...breakerOptions, attempts: 9 })).toThrow(
        /already configured/,
      );
    });
  });

  describe('DependencyBreakersHealthIndicator', () => {
    it('reports every breaker as details and stays up while one is open', async () => {
      const policy = policies.for('stripe', { ...FAST, attempts: 1, breakerThreshold: 1 });
      policies.for('eventbridge');
      await policy.execute(flaky(new HttpError(500))).catch(() => {});
      const indicator = new DependencyBreakersHealthIndicator(
        new HealthIndicatorService(),
        policies,
      );
      expect(indicator.check()).toEqual({
        dependencies: {
          status: 'up',
          stripe: expect.objectContaining({ state: 'open' }),
          eventbridge: { state: 'closed' },
        },
      });
    });
  });
});
