import { Clock } from '../src/common/time/clock';
import { CreditsScenario } from './support/credits';
import { FakeClock } from './support/fake-clock';
import { startTestApp, type TestApp } from './support/test-app';

/*
 * Prepaid credits through the API: grants (idempotent by grantId, validated against the
 * customer's currency), voids, the ledger and the balance.
 */
describe('Prepaid credits: grants, void, ledger, balance (e2e)', () => {
  let t: TestApp;
  let s: CreditsScenario;
  const clock = new FakeClock('2026-11-10T12:00:00Z');

  beforeAll(async () => {
    t = await startTestApp({
      env: { CREDITS_EXPIRY_SWEEP_SECONDS: '0' },
      overrides: [[Clock, clock]],
    });
    s = new CreditsScenario(t);
    await s.plan('metered', { unitAmount: '0.10' }).expect(201);
    await s.plan('yen', { currency: 'JPY', unitAmount: '1' }).expect(201);
  });
  afterAll(() => t.close());
  beforeEach(() => clock.set('2026-11-10T12:00:00Z'));

  describe('grants', () => {
    it('creates a grant with defaults and returns it', async () => {
      await s.customer('g-acme', 'metered').expect(201);
      const res = await s.grant('g-acme', { amount: '500', kind: 'promotional' }).expect(201);
      expect(res.body).toMatchObject({
        customerId: 'g-acme',
        kind: 'promotional',
        currency: 'USD',
        amount: '500.00',
        remaining: '500.00',
        status: 'active',
        priority: 50,
        effectiveAt: '2026-11-10T12:00:00.000Z',
        expiresAt: null,
        createdAt: '2026-11-10T12:00:00.000Z',
        description: null,
        metadata: {},
        voidedAt: null,
        writtenOffAt: null,
      });
      expect(res.body.grantId).toMatch(/^cg_/);
      const fetched = await s.getGrant('g-acme', res.body.grantId).expect(200);
      expect(fetched.body).toEqual(res.body);
    });

    it('is idempotent by grantId: the same body → 200 the same grant, another → 409', async () => {
      await s.customer('g-idem', 'metered').expect(201);
      const body = {
        grantId: 'prepay-1',
        amount: '100.00',
        priority: 10,
        expiresAt: '2027-11-01',
        description: 'Annual prepayment',
        metadata: { order: 'SO-1' },
      };
      const first = await s.grant('g-idem', body).expect(201);
      clock.advance(60_000);
      // The same grant, its amount written differently and effectiveAt left out as before.
      const again = await s.grant('g-idem', { ...body, amount: '100' }).expect(200);
      expect(again.body).toEqual(first.body);

      const conflict = await s.grant('g-idem', { ...body, amount: '101.00' }).expect(409);
      expect(conflict.body).toMatchObject({
        error: 'CREDIT_GRANT_CONFLICT',
        details: { grantId: 'prepay-1', differs: ['amount'] },
      });
      const other = await s
        .grant('g-idem', { ...body, kind: 'promotional', metadata: { order: 'SO-2' } })
        .expect(409);
      expect(other.body.details.differs).toEqual(['kind', 'metadata']);

      // Only one grant and one ledger entry exist.
      const ledger = await s.ledger('g-idem').expect(200);
      expect(ledger.body.data).toHaveLength(1);
      expect((await s.balance('g-idem').expect(200)).body.available).toBe('100.00');
    });

    it('answers concurrent creates of one grantId with one grant', async () => {
      await s.customer('g-race', 'metered').expect(201);
      const results = await Promise.all(
        Array.from({ length: 6 }, () => s.grant('g-race', { grantId: 'race', amount: '7.00' })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
      const ledger = await s.ledger('g-race').expect(200);
      expect(ledger.body.data).toHaveLength(1);
      expect((await s.balance('g-race')).body.available).toBe('7.00');
    });

    it('refuses amounts the currency cannot hold, ≤ 0, or malformed', async () => {
      await s.customer('g-valid', 'metered').expect(201);
      await s.customer('g-yen', 'yen').expect(201);
      const problems = async (customerId: string, amount: unknown) => {
        const res = await s.grant(customerId, { amount }).expect(400);
        expect(res.body.error).toBe('VALIDATION_FAILED');
        return res.body.details.fields.map((f: { field: string }) => f.field);
      };
      expect(await problems('g-valid', '1.001')).toEqual(['amount']);
      expect(await problems('g-valid', '0')).toEqual(['amount']);
      expect(await problems('g-valid', '0.00')).toEqual(['amount']);
      expect(await problems('g-valid', '-5')).toEqual(['amount']);
      expect(await problems('g-valid', '1e3')).toEqual(['amount']);
      expect(await problems('g-valid', 12)).toEqual(['amount']);
      expect(await problems('g-yen', '1200.5')).toEqual(['amount']);
      const yen = await s.grant('g-yen', { amount: '1200' }).expect(201);
      expect(yen.body).toMatchObject({ currency: 'JPY', amount: '1200', remaining: '1200' });
      expect((await s.balance('g-yen')).body.available).toBe('1200');
    });

    it('refuses expiresAt not after effectiveAt, impossible dates, bad kinds and priorities', async () => {
      await s.customer('g-dates', 'metered').expect(201);
      const field = async (body: Record<string, unknown>) => {
        const res = await s.grant('g-dates', { amount: '5', ...body }).expect(400);
        return res.body.details.fields.map((f: { field: string }) => f.field);
      };
      expect(
        await field({ effectiveAt: '2026-12-01T00:00:00Z', expiresAt: '2026-12-01T00:00:00Z' }),
      ).toEqual(['expiresAt']);
      expect(await field({ expiresAt: '2026-11-01T00:00:00Z' })).toEqual(['expiresAt']);
      expect(await field({ expiresAt: '2026-11-31' })).toEqual(['expiresAt']);
      expect(await field({ effectiveAt: 'tomorrow' })).toEqual(['effectiveAt']);
      expect(await field({ kind: 'free' })).toEqual(['kind']);
      expect(await field({ priority: 0 })).toEqual(['priority']);
      expect(await field({ priority: 101 })).toEqual(['priority']);
      expect(await field({ grantId: 'has#hash' })).toEqual(['grantId']);
      expect(await field({ surprise: true })).toEqual(['surprise']);
      // Nothing was stored by any of them.
      expect((await s.ledger('g-dates')).body.data).toEqual([]);
    });

    it('answers unknown customers 404 and archived customers 409', async () => {
      const unknown = await s.grant('nobody-here', { amount: '5' }).expect(404);
      expect(unknown.body.error).toBe('CUSTOMER_NOT_FOUND');
      await s.customer('g-archived', 'metered').expect(201);
      await s.grant('g-archived', { grantId: 'before', amount: '5' }).expect(201);
      await t.http.delete('/v1/customers/g-archived').set(t.auth()).expect(204);
      const archived = await s.grant('g-archived', { amount: '5' }).expect(409);
      expect(archived.body.error).toBe('CUSTOMER_ARCHIVED');
      // A retry of a grant made before archiving still answers with it.
      await s.grant('g-archived', { grantId: 'before', amount: '5' }).expect(200);
      const missing = await s.getGrant('g-archived', 'no-such-grant').expect(404);
      expect(missing.body.error).toBe('CREDIT_GRANT_NOT_FOUND');
      expect((await s.getGrant('nobody-here', 'x').expect(404)).body.error).toBe(
        'CUSTOMER_NOT_FOUND',
      );
    });

    it('needs an admin key to grant, a read key to look', async () => {
      await s.customer('g-scope', 'metered').expect(201);
      await t.http
        .post('/v1/customers/g-scope/credit-grants')
        .set(t.auth('read'))
        .send({ amount: '5', kind: 'purchased' })
        .expect(403);
      await t.http.get('/v1/customers/g-scope/credit-grants').set(t.auth('read')).expect(200);
    });

    it('lists grants by status, a page at a time', async () => {
      await s.customer('g-list', 'metered').expect(201);
      await s.grant('g-list', { grantId: 'a-active', amount: '5' }).expect(201);
      await s.grant('g-list', { grantId: 'b-void', amount: '5' }).expect(201);
      await s.voidGrant('g-list', 'b-void').expect(200);
      await s
        .grant('g-list', {
          grantId: 'c-expired',
          amount: '5',
          effectiveAt: '2026-11-01',
          expiresAt: '2026-11-05',
        })
        .expect(201);
      await s.grant('g-list', { grantId: 'd-active', amount: '5' }).expect(201);
      const list = (query: string) =>
        t.http.get(`/v1/customers/g-list/credit-grants${query}`).set(t.auth('read')).expect(200);
      const listAnswering = (query: string, status: number) =>
        t.http.get(`/v1/customers/g-list/credit-grants${query}`).set(t.auth('read')).expect(status);
      const ids = (res: { body: { data: { grantId: string }[] } }) =>
        res.body.data.map((g) => g.grantId);

      expect(ids(await list('?status=active'))).toEqual(['a-active', 'd-active']);
      expect(ids(await list('?status=voided'))).toEqual(['b-void']);
      expect(ids(await list('?status=expired'))).toEqual(['c-expired']);
      expect(ids(await list('?status=depleted'))).toEqual([]);
      const first = await list('?limit=3');
      expect(ids(first)).toEqual(['a-active', 'b-void', 'c-expired']);
      const second = await list(`?limit=3&cursor=${first.body.nextCursor}`);
      expect(ids(second)).toEqual(['d-active']);
      expect(second.body.nextCursor).toBeNull();
      await t.http
        .get('/v1/customers/g-list/credit-grants?status=gone')
        .set(t.auth('read'))
        .expect(400);
      const bad = await t.http
        .get('/v1/customers/g-list/credit-grants?cursor=bm9wZQ')
        .set(t.auth('read'))
        .expect(400);
      expect(bad.body.error).toBe('INVALID_CURSOR');
      // A grant list's cursor is no ledger cursor, and the other way round.
      const crossed = await s.ledger('g-list', `?cursor=${first.body.nextCursor}`).expect(400);
      expect(crossed.body.error).toBe('INVALID_CURSOR');
      const ledgerCursor = (await s.ledger('g-list', '?limit=1').expect(200)).body.nextCursor;
      await listAnswering(`?cursor=${ledgerCursor}`, 400);
    });
  });

  describe('void, ledger and balance', () => {
    it('voids the remainder once; the ledger shows every change newest first', async () => {
      await s.customer('v-acme', 'metered').expect(201);
      await s.grant('v-acme', { grantId: 'g1', amount: '100.00' }).expect(201);
      clock.advance(1_000);
      await s.grant('v-acme', { grantId: 'g2', amount: '40.50', kind: 'promotional' }).expect(201);
      clock.advance(1_000);

      const voided = await s
        .voidGrant('v-acme', 'g2', { reason: 'goodwill withdrawn' })
        .expect(200);
      expect(voided.body).toMatchObject({
        grantId: 'g2',
        status: 'voided',
        amount: '40.50',
        remaining: '0.00',
        voidedAt: '2026-11-10T12:00:02.000Z',
      });
      clock.advance(1_000);
      const twice = await s.voidGrant('v-acme', 'g2').expect(200);
      expect(twice.body).toEqual(voided.body);
      expect((await s.voidGrant('v-acme', 'nope').expect(404)).body.error).toBe(
        'CREDIT_GRANT_NOT_FOUND',
      );

      const ledger = await s.ledger('v-acme').expect(200);
      expect(ledger.body.data).toEqual([
        {
          seq: 3,
          type: 'voided',
          currency: 'USD',
          amount: '-40.50',
          balanceAfter: '100.00',
          at: '2026-11-10T12:00:02.000Z',
          grantId: 'g2',
          invoiceId: null,
          grants: [{ grantId: 'g2', amount: '-40.50' }],
          actor: { type: 'api_key', name: 'ops' },
          reason: 'goodwill withdrawn',
        },
        expect.objectContaining({ seq: 2, type: 'grant', amount: '40.50', balanceAfter: '140.50' }),
        expect.objectContaining({
          seq: 1,
          type: 'grant',
          amount: '100.00',
          balanceAfter: '100.00',
        }),
      ]);
      expect(ledger.body.nextCursor).toBeNull();

      const page1 = await s.ledger('v-acme', '?limit=2').expect(200);
      expect(page1.body.data.map((e: { seq: number }) => e.seq)).toEqual([3, 2]);
      const page2 = await s.ledger('v-acme', `?limit=2&cursor=${page1.body.nextCursor}`);
      expect(page2.body.data.map((e: { seq: number }) => e.seq)).toEqual([1]);

      const balance = await s.balance('v-acme').expect(200);
      expect(balance.body).toEqual({
        customerId: 'v-acme',
        currency: 'USD',
        available: '100.00',
        pendingSpend: '0.00',
        grants: [
          {
            grantId: 'g1',
            remaining: '100.00',
            effectiveAt: '2026-11-10T12:00:00.000Z',
            expiresAt: null,
          },
        ],
        asOf: '2026-11-10T12:00:03.000Z',
      });
    });

    it('audits every ledger change with who did it', async () => {
      await s.customer('v-audit', 'metered').expect(201);
      await s.grant('v-audit', { grantId: 'g1', amount: '10.00' }).expect(201);
      clock.advance(1_000);
      await s.voidGrant('v-audit', 'g1').expect(200);
      const audit = await t.http
        .get('/v1/audit?entityType=credit_grant&entityId=v-audit:g1')
        .set(t.auth())
        .expect(200);
      expect(
        audit.body.data.map((r: { operation: string; actor: { name: string } }) => [
          r.operation,
          r.actor.name,
        ]),
      ).toEqual([
        ['credits.void', 'ops'],
        ['credits.grant', 'ops'],
      ]);
    });

    it('shows what credits will pay for the open period as pendingSpend', async () => {
      await s.customer('p-acme', 'metered').expect(201);
      await s.usage('p-acme', 100, '2026-11-02T10:00:00Z').expect(201); // 10.00
      await s.usage('p-acme', 300, '2026-11-08T10:00:00Z').expect(201); // 30.00
      // In force only until 5 November: pays for the first 100 units only.
      await s
        .grant('p-acme', {
          grantId: 'early',
          amount: '50.00',
          priority: 1,
          effectiveAt: '2026-11-01',
          expiresAt: '2026-11-05',
        })
        .expect(201);
      // Granted now but effective from the period's start: pays for all of it.
      await s
        .grant('p-acme', { grantId: 'later', amount: '25.00', effectiveAt: '2026-11-01' })
        .expect(201);
      // Effective from now (the default): no usage since, so it pays nothing yet.
      await s.grant('p-acme', { grantId: 'from-now', amount: '99.00', priority: 100 }).expect(201);
      const balance = await s.balance('p-acme').expect(200);
      expect(balance.body).toMatchObject({
        available: '174.00',
        // early: 10.00 (its window's usage); later: 25.00 of the remaining 30.00.
        pendingSpend: '35.00',
      });
      expect(balance.body.grants.map((g: { grantId: string }) => g.grantId)).toEqual([
        'early',
        'later',
        'from-now',
      ]);
    });

    it('answers 404 for the balance and ledger of an unknown customer', async () => {
      expect((await s.balance('nobody-here').expect(404)).body.error).toBe('CUSTOMER_NOT_FOUND');
      expect((await s.ledger('nobody-here').expect(404)).body.error).toBe('CUSTOMER_NOT_FOUND');
      const empty = await s.customer('p-empty', 'metered').expect(201);
      expect(empty.body.id).toBe('p-empty');
      expect((await s.balance('p-empty').expect(200)).body).toMatchObject({
        available: '0.00',
        pendingSpend: '0.00',
        grants: [],
      });
    });
  });
});
