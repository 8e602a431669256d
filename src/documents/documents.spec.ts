import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { ConfigValidationError, loadConfig } from '../config/configuration';
import { DocumentLinkExpired, DocumentLinkInvalid, signLink, verifyLink } from './document-links';
import { displayAmount, displayMoney, displayQuantity } from './document-money';
import type { DocumentView } from './document-view';
import { DEVELOPMENT_DOCUMENT_LINK_SECRET } from './documents.config';
import { renderHtml } from './invoice-html';
import { renderPdf } from './invoice-pdf';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
};

/** A valid 1×1 grey PNG. */
function tinyPng(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(1, 0);
  header.writeUInt32BE(1, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.from([0, 128]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const PRODUCTION = { NODE_ENV: 'production', BILLING_API_KEYS: 'ops:admin:k_4f0123456789abcdef' };

describe('documents configuration', () => {
  it('reads the seller block and footer, with literal \\n as line breaks', () => {
    const config = loadConfig({
      SELLER_NAME: 'Metered GmbH',
      SELLER_ADDRESS: 'Street 1\\n10115 Berlin\\n',
      SELLER_TAX_ID: 'DE1',
      INVOICE_FOOTER: 'IBAN DE00\\nThanks',
    }).documents;
    expect(config.seller).toEqual({
      name: 'Metered GmbH',
      addressLines: ['Street 1', '10115 Berlin'],
      taxId: 'DE1',
      email: undefined,
      logo: undefined,
    });
    expect(config.footerLines).toEqual(['IBAN DE00', 'Thanks']);
    expect(config.linkSecret).toBe(DEVELOPMENT_DOCUMENT_LINK_SECRET);
  });

  it('requires DOCUMENT_LINK_SECRET in production, of at least 32 characters', () => {
    expect(problemsOf(PRODUCTION)).toContain(
      'DOCUMENT_LINK_SECRET: required in production (at least 32 characters)',
    );
    expect(problemsOf({ DOCUMENT_LINK_SECRET: 'short' })).toEqual([
      'DOCUMENT_LINK_SECRET: must be at least 32 characters',
    ]);
    const secret = 's'.repeat(32);
    expect(loadConfig({ ...PRODUCTION, DOCUMENT_LINK_SECRET: secret }).documents.linkSecret).toBe(
      secret,
    );
  });

  it('checks SELLER_LOGO_FILE at start: readable, PNG or JPEG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'documents-logo-'));
    const png = join(dir, 'logo.png');
    writeFileSync(png, tinyPng());
    const damaged = join(dir, 'damaged.png');
    writeFileSync(damaged, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]));
    const text = join(dir, 'logo.txt');
    writeFileSync(text, 'not an image');
    expect(loadConfig({ SELLER_LOGO_FILE: png }).documents.seller.logo?.data).toEqual(tinyPng());
    expect(problemsOf({ SELLER_LOGO_FILE: damaged })).toEqual([
      'SELLER_LOGO_FILE: not a PNG or JPEG image that can be read',
    ]);
    expect(problemsOf({ SELLER_LOGO_FILE: text })).toEqual([
      'SELLER_LOGO_FILE: must be a PNG or JPEG file',
    ]);
    expect(problemsOf({ SELLER_LOGO_FILE: join(dir, 'missing.png') })).toEqual([
      'SELLER_LOGO_FILE: cannot be read',
    ]);
  });
});

describe('document money', () => {
  it('prints the ISO 4217 minor unit, grouped, more digits only when the value has them', () => {
    expect(displayMoney('1234567.5', 'USD')).toBe('1,234,567.50 USD');
    expect(displayMoney('2234', 'JPY')).toBe('2,234 JPY');
    expect(displayMoney('1.25', 'KWD')).toBe('1.250 KWD');
    expect(displayAmount('0.0001', 'USD')).toBe('0.0001');
    expect(displayAmount('-5', 'USD')).toBe('-5.00');
    expect(displayAmount('-0', 'USD')).toBe('0.00');
    expect(displayQuantity('1234567.25')).toBe('1,234,567.25');
  });
});

describe('share link tokens', () => {
  const secret = 'k'.repeat(32);
  const token = signLink({ invoiceId: 'inv_acme_2026-11', exp: 1_000 }, secret);

  it('verifies its own tokens until they expire', () => {
    expect(verifyLink(token, secret, 999)).toEqual({ invoiceId: 'inv_acme_2026-11', exp: 1_000 });
    expect(() => verifyLink(token, secret, 1_000)).toThrow(DocumentLinkExpired);
  });

  it('refuses another secret, an edited payload and malformed tokens', () => {
    expect(() => verifyLink(token, 'x'.repeat(32), 0)).toThrow(DocumentLinkInvalid);
    const [, signature] = token.split('.');
    const edited = Buffer.from(JSON.stringify({ invoiceId: 'inv_other_2026-11', exp: 1_000 }));
    expect(() => verifyLink(`${edited.toString('base64url')}.${signature}`, secret, 0)).toThrow(
      DocumentLinkInvalid,
    );
    for (const bad of ['', '.', 'a.b.c', 'a b.c', token.split('.')[0]]) {
      expect(() => verifyLink(bad, secret, 0)).toThrow(DocumentLinkInvalid);
    }
  });
});

describe('rendering with a logo', () => {
  const view: DocumentView = {
    title: 'Invoice',
    number: 'INV-202611-000001',
    currency: 'USD',
    stamp: null,
    seller: { name: 'Seller', lines: ['Street 1'] },
    customer: { name: 'Buyer', lines: ['buyer@example.test'] },
    facts: [{ label: 'Invoice number', value: 'INV-202611-000001' }],
    lines: [
      { description: 'Calls', quantity: '10', amount: '1.00 USD', tiers: [], hasTiers: false },
    ],
    summary: [{ label: 'Total', value: '1.00 USD', strong: true }],
    notes: null,
    hostedUrl: 'https://invoice.stripe.test/i/abc',
    footerLines: ['Thanks'],
    createdAt: new Date('2026-12-01T00:00:00Z'),
  };

  it('embeds it in the PDF, byte-identically, and inlines it in the HTML', async () => {
    const first = await renderPdf(view, tinyPng());
    const second = await renderPdf(view, tinyPng());
    expect(first.equals(second)).toBe(true);
    expect(first.equals(await renderPdf(view))).toBe(false);
    expect(first.toString('latin1')).toContain('/Subtype /Image');
    const html = renderHtml(view, { logo: tinyPng() });
    expect(html).toContain(`src="data:image/png;base64,${tinyPng().toString('base64')}"`);
    expect(html).toContain('href="https:&#x2F;&#x2F;invoice.stripe.test&#x2F;i&#x2F;abc"');
  });
});
