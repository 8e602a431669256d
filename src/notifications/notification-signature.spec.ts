import { createHmac } from 'node:crypto';
import { signatureHeader, verifySignature } from './notification-signature';

const SECRET = 'whsec_notify_0123456789';
const BODY = '{"text":"Invoice INV-1 finalized for acme: 12.34 USD","event":{"eventId":"e1"}}';

describe('notification signature', () => {
  it('is t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">', () => {
    const header = signatureHeader(SECRET, BODY, 1_790_000_000);
    const expected = createHmac('sha256', SECRET).update(`1790000000.${BODY}`).digest('hex');
    expect(header).toBe(`t=1790000000,v1=${expected}`);
  });

  it('verifies with the secret, within the tolerance', () => {
    const header = signatureHeader(SECRET, BODY, 1_790_000_000);
    expect(verifySignature(SECRET, BODY, header, 1_790_000_100)).toBe(true);
  });

  it('refuses another secret, a changed body, a changed timestamp or an old message', () => {
    const header = signatureHeader(SECRET, BODY, 1_790_000_000);
    expect(verifySignature('whsec_other_0123456789', BODY, header, 1_790_000_000)).toBe(false);
    expect(verifySignature(SECRET, BODY.replace('12.34', '1.34'), header, 1_790_000_000)).toBe(
      false,
    );
    const moved = header.replace('t=1790000000', 't=1790000001');
    expect(verifySignature(SECRET, BODY, moved, 1_790_000_000)).toBe(false);
    expect(verifySignature(SECRET, BODY, header, 1_790_000_301)).toBe(false);
    expect(verifySignature(SECRET, BODY, 'v1=abc', 1_790_000_000)).toBe(false);
  });
});
