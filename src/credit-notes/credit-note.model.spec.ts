import {
  type CreditNote,
  type RefundReport,
  nextRefundReport,
  withRefundReport,
} from './credit-note.model';

const report = (status: RefundReport['status'], at: number | null = 100): RefundReport => ({
  status,
  at,
  failureReason: status === 'failed' ? 'declined' : null,
});

/** A note whose 6.00 refund went to the provider and is not reported on yet. */
const note = (): CreditNote => ({
  id: 'cn-1',
  number: 'CN-202612-000001',
  customerId: 'acme',
  invoiceId: 'inv_acme_2026-11',
  invoiceNumber: 'INV-202611-000001',
  period: '2026-11',
  currency: 'USD',
  status: 'issued',
  type: 'post_payment',
  reason: 'other',
  memo: null,
  mode: 'amount',
  lines: [{ lineId: 'adjustment', description: 'Adjustment', amount: '6.00' }],
  total: '6.00',
  refund: {
    amount: '6.00',
    status: 'pending',
    refunds: [],
    failureReason: null,
    processedAt: null,
  },
  credit: { amount: '0.00', grantId: null },
  provider: null,
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
  voidedAt: null,
  voidReason: null,
  revision: 1,
});

describe('nextRefundReport', () => {
  it.each([
    ['pending → succeeded', report('pending'), report('succeeded'), 'succeeded'],
    ['pending → failed', report('pending'), report('failed'), 'failed'],
    ['a late pending after succeeded', report('succeeded'), report('pending', 200), undefined],
    ['a late pending after failed', report('failed'), report('pending', 200), undefined],
    ['the same status again', report('succeeded'), report('succeeded', 300), undefined],
    ['succeeded, then failed later', report('succeeded', 100), report('failed', 200), 'failed'],
    ['failed, then an older succeeded', report('failed', 200), report('succeeded', 100), undefined],
    [
      'succeeded and failed in one second',
      report('succeeded', 100),
      report('failed', 100),
      'failed',
    ],
    [
      'failed and succeeded in one second',
      report('failed', 100),
      report('succeeded', 100),
      undefined,
    ],
    ['a report without a status', report('pending'), report(null), undefined],
    ['a first report on a bare link', report(null, null), report('pending'), 'pending'],
  ])('%s', (_name, current, seen, expected) => {
    expect(nextRefundReport(current, seen)?.status).toBe(expected);
  });

  it('ends in the same state whatever the order of reports', () => {
    const reports = [report('pending', 1), report('succeeded', 2), report('failed', 3)];
    const orders = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ];
    for (const order of orders) {
      let state: RefundReport | undefined;
      for (const i of [...order, ...order]) state = nextRefundReport(state, reports[i]) ?? state;
      expect(state?.status).toBe('failed');
    }
  });
});

describe('withRefundReport', () => {
  const at = '2026-12-02T00:00:00.000Z';

  it('links a refund as pending, ends the note with it, and ignores duplicates', () => {
    const linked = withRefundReport(note(), 're_1', report(null, null), at)!;
    expect(linked.refund).toMatchObject({
      status: 'pending',
      refunds: [{ refundId: 're_1', status: null }],
      processedAt: null,
    });
    const done = withRefundReport(linked, 're_1', report('succeeded'), at)!;
    expect(done.refund).toMatchObject({ status: 'succeeded', processedAt: at });
    expect(withRefundReport(done, 're_1', report('succeeded', 500), at)).toBeUndefined();
    expect(withRefundReport(done, 're_1', report('pending', 500), at)).toBeUndefined();
  });

  it('is failed when any refund failed, succeeded when all did', () => {
    let current = withRefundReport(note(), 're_1', report('succeeded'), at)!;
    current = withRefundReport(current, 're_2', report('pending'), at)!;
    expect(current.refund.status).toBe('pending');
    current = withRefundReport(current, 're_2', report('failed'), at)!;
    expect(current.refund).toMatchObject({ status: 'failed', failureReason: 'declined' });
  });

  it('changes nothing on a note without a refund', () => {
    const none = {
      ...note(),
      refund: { ...note().refund, amount: '0.00', status: 'none' as const },
    };
    expect(withRefundReport(none, 're_1', report('succeeded'), at)).toBeUndefined();
  });
});
