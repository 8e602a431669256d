import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../common/errors/domain-error';

/** Longest a share link may live: 30 days. */
export const MAX_LINK_SECONDS = 2_592_000;

export class DocumentLinkInvalid extends DomainError {
  constructor() {
    super('DOCUMENT_LINK_INVALID', 'forbidden', 'This document link is not valid');
  }
}

export class DocumentLinkExpired extends DomainError {
  constructor(expiresAt: string) {
    super('DOCUMENT_LINK_EXPIRED', 'gone', `This document link expired at ${expiresAt}`, {
      expiresAt,
    });
  }
}

export interface LinkPayload {
  /** The one invoice the link shows. */
  invoiceId: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

const sign = (body: string, secret: string): Buffer =>
  createHmac('sha256', secret).update(`invoice-document.${body}`, 'utf8').digest();

/** `base64url(JSON payload)` + `.` + `base64url(HMAC-SHA256)`. */
export function signLink(payload: LinkPayload, secret: string): string {
  const body = Buffer.from(
    JSON.stringify({ invoiceId: payload.invoiceId, exp: payload.exp }),
    'utf8',
  ).toString('base64url');
  return `${body}.${sign(body, secret).toString('base64url')}`;
}

/**
 * The payload of a token this service signed, checked before anything in it is read: a token
 * not signed with `secret` (edited, truncated, made up) → `DocumentLinkInvalid`; signed but past
 * its expiry → `DocumentLinkExpired`.
 */
export function verifyLink(token: string, secret: string, nowSeconds: number): LinkPayload {
  const parts = token.split('.');
  if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0] + parts[1])) {
    throw new DocumentLinkInvalid();
  }
  const [body, signature] = parts;
  const expected = sign(body, secret);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new DocumentLinkInvalid();
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new DocumentLinkInvalid();
  }
  const { invoiceId, exp } = (payload ?? {}) as Partial<LinkPayload>;
  if (typeof invoiceId !== 'string' || typeof exp !== 'number' || !Number.isInteger(exp)) {
    throw new DocumentLinkInvalid();
  }
  if (nowSeconds >= exp) throw new DocumentLinkExpired(new Date(exp * 1000).toISOString());
  return { invoiceId, exp };
}
