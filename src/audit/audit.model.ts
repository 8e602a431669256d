import type { Actor } from '../common/request-context';

/** What an audit record is about; the audit API filters by these. */
export const AUDIT_ENTITY_TYPES = [
  'customer',
  'plan',
  'invoice',
  'payment',
  'webhook',
  'billing_run',
  'credit_grant',
  'credit_note',
  'usage_event',
  'invoice_document',
  'alert',
  'billing_thresholds',
] as const;

export type AuditEntityType = (typeof AUDIT_ENTITY_TYPES)[number];

/** What a service reports; who, when and the request id are filled in by AuditService. */
export interface AuditChange {
  operation: string;
  entityType: AuditEntityType;
  entityId: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditRecord extends AuditChange {
  id: string;
  at: string;
  actor: Actor;
  requestId?: string;
}

/** Kept two years, then removed by DynamoDB's TTL. */
export const AUDIT_RETENTION_DAYS = 730;
