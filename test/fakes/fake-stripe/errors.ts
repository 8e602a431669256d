export interface StripeErrorBody {
  type: 'invalid_request_error' | 'api_error' | 'idempotency_error' | 'card_error';
  message: string;
  code?: string;
  param?: string;
  doc_url?: string;
}

/**
 * Thrown by handlers; the pipeline turns it into `{ error: ... }` JSON. Errors
 * are never stored for idempotent replay: Stripe only saves results once an
 * endpoint has started executing, and everything the fake rejects is rejected
 * during validation.
 */
export class StripeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
  }
}

function docUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`;
}

export function invalidRequest(
  message: string,
  extra: Partial<StripeErrorBody> = {},
  status = 400,
) {
  const body: StripeErrorBody = { type: 'invalid_request_error', message, ...extra };
  if (body.code && !body.doc_url) body.doc_url = docUrl(body.code);
  return new StripeHttpError(status, body);
}

export function missingParam(param: string) {
  return invalidRequest(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
}

export function unknownParam(param: string) {
  return invalidRequest(`Received unknown parameter: ${param}`, {
    code: 'parameter_unknown',
    param,
  });
}

/**
 * Stripe answers 404 when the object in the URL is unknown, but 400 when an id
 * passed as a parameter (e.g. `customer` on an invoice item) is unknown.
 */
export function noSuch(kind: string, id: string, param: string, status: 400 | 404) {
  return invalidRequest(`No such ${kind}: '${id}'`, { code: 'resource_missing', param }, status);
}

/** Wrong-state operations on invoices; only some carry a Stripe error code. */
export function invalidState(message: string, code?: string) {
  return invalidRequest(message, code ? { code } : {});
}

export function unrecognizedUrl(method: string, path: string) {
  return invalidRequest(
    `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    {},
    404,
  );
}
