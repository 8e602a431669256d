/**
 * Removes secrets and personal data from values before they are stored in the audit trail.
 * Keys that name a secret lose their value entirely; strings are scanned for secrets and
 * personal data that hide in free text.
 */

export const REDACTED = '[REDACTED]';

const SECRET_KEY =
  /pass(word)?|secret|token|api[-_]?key|authorization|card[-_]?number|^pan$|cvv|cvc|signature|private[-_]?key/i;
const STRIPE_KEY = /\b(?:sk|rk|pk|whsec)_(?:live|test)_[A-Za-z0-9]+/g;
const WEBHOOK_SECRET = /\bwhsec_[A-Za-z0-9]+/g;
const BEARER = /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi;
const EMAIL = /\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b/g;
const CARD_CANDIDATE = /\b(?:\d[ -]?){12,18}\d\b/g;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function redactText(text: string): string {
  return text
    .replace(STRIPE_KEY, REDACTED)
    .replace(WEBHOOK_SECRET, REDACTED)
    .replace(BEARER, `Bearer ${REDACTED}`)
    .replace(CARD_CANDIDATE, (match) => {
      const digits = match.replace(/[ -]/g, '');
      return digits.length >= 13 && digits.length <= 19 && luhn(digits) ? REDACTED : match;
    })
    .replace(EMAIL, (_m, first: string, domain: string) => `${first}***@${domain}`);
}

/** A deep copy of `value` with secrets removed and personal data masked. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 20) return REDACTED;
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) ? REDACTED : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}
