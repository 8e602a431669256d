import { Dec } from '../common/money';
import {
  type CreditGrant,
  awaitsWriteOff,
  grantStatus,
  usableUntil,
  writeOffAt,
} from './credit.model';
import { appendEntries } from './ledger-chain';

const grant = (fields: Partial<CreditGrant> = {}): CreditGrant => ({
  grantId: 'g1',
  customerId: 'acme',
  kind: 'promotional',
  currency: 'USD',
  amount: '100.00',
  remaining: '100.00',
  priority: 50,
  effectiveAt: '2026-11-01T00:00:00.000Z',
  expiresAt: '2026-11-16T00:00:00.000Z',
  createdAt: '2026-11-01T00:00:00.000Z',
  description: null,
  metadata: {},
  effectiveAtGiven: true,
  revision: 1,
  ...fields,
});

describe('credit grants', () => {
  it('are usable until the end of the last period they were in force in', () => {
    expect(usableUntil(grant())?.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    // Expiring exactly at a month's start: its last instant is in the month before.
    expect(usableUntil(grant({ expiresAt: '2026-12-01T00:00:00.000Z' }))?.toISOString()).toBe(
      '2026-12-01T00:00:00.000Z',
    );
    expect(usableUntil(grant({ expiresAt: null }))).toBeUndefined();
    expect(writeOffAt(grant(), 168)?.toISOString()).toBe('2026-12-08T00:00:00.000Z');
  });

  it('have a status decided in order: voided, expired, depleted, active', () => {
    const mid = new Date('2026-11-10T00:00:00Z');
    const later = new Date('2026-11-20T00:00:00Z');
    expect(grantStatus(grant(), mid)).toBe('active');
    expect(grantStatus(grant(), later)).toBe('expired');
    expect(grantStatus(grant({ remaining: '0.00' }), mid)).toBe('depleted');
    expect(grantStatus(grant({ remaining: '0.00' }), later)).toBe('expired');
    expect(grantStatus(grant({ voidedAt: '2026-11-05T00:00:00Z' }), later)).toBe('voided');
    expect(grantStatus(grant({ writtenOffAt: '2026-12-08T00:00:00Z' }), mid)).toBe('expired');
  });

  it('await write-off only while they expire and still hold credit', () => {
    expect(awaitsWriteOff(grant())).toBe(true);
    expect(awaitsWriteOff(grant({ expiresAt: null }))).toBe(false);
    expect(awaitsWriteOff(grant({ remaining: '0.00' }))).toBe(false);
    expect(awaitsWriteOff(grant({ voidedAt: 'x' }))).toBe(false);
    expect(awaitsWriteOff(grant({ writtenOffAt: 'x' }))).toBe(false);
  });
});

describe('ledger chain', () => {
  it('numbers entries after the head and chains their balances', () => {
    const { entries, head } = appendEntries(
      { available: new Dec('10.00'), seq: 4 },
      [
        {
          type: 'reversed',
          amount: new Dec('5.5'),
          invoiceId: 'inv_1',
          reason: 'r',
          grants: [{ grantId: 'a', amount: new Dec('5.5') }],
        },
        { type: 'voided', amount: new Dec('-2.25'), grantId: 'a', reason: 'v' },
      ],
      {
        customerId: 'acme',
        currency: 'USD',
        at: 't',
        actor: { type: 'system', name: 'system' },
        requestId: null,
      },
    );
    expect(entries.map((e) => [e.seq, e.amount, e.balanceAfter])).toEqual([
      [5, '5.50', '15.50'],
      [6, '-2.25', '13.25'],
    ]);
    expect(entries[1].grants).toEqual([{ grantId: 'a', amount: '-2.25' }]);
    expect(head.seq).toBe(6);
    expect(head.available.toFixed(2)).toBe('13.25');
  });
});
