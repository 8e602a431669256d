import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { RequestContext } from '../common/request-context';
import { Clock } from '../common/time/clock';
import type { AppConfig } from '../config/configuration';
import type { TransactItem } from '../database/transact-item';
import { AUDIT_RETENTION_DAYS, type AuditChange, type AuditRecord } from './audit.model';
import { type AuditQuery, AuditRepository } from './audit.repository';
import { redact } from './redaction';

/**
 * The audit trail. Changes that move money add `entry(...)` to their own transaction, so the
 * record exists exactly when the change does; other changes call `record(...)` after the fact.
 * Who and which request come from the request context; values are redacted before storing.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');
  readonly enabled: boolean;

  constructor(
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
    config: ConfigService<AppConfig, true>,
  ) {
    this.enabled = config.get('audit', { infer: true }).enabled;
  }

  /** The audit Put for the caller's transaction; undefined when auditing is off. */
  entry(change: AuditChange): TransactItem | undefined {
    if (!this.enabled) return undefined;
    const record = this.build(change);
    return this.audit.putInTransaction(record, this.expiry(record.at));
  }

  /** Entries for a transaction's `extra` list (empty when auditing is off). */
  entries(...changes: AuditChange[]): TransactItem[] {
    return changes.flatMap((c) => {
      const e = this.entry(c);
      return e ? [e] : [];
    });
  }

  /** Records a change that has no transaction of its own; a failure here is logged, not thrown. */
  async record(change: AuditChange): Promise<void> {
    if (!this.enabled) return;
    const record = this.build(change);
    try {
      await this.audit.put(record, this.expiry(record.at));
    } catch (error) {
      this.logger.error(
        { err: error, entity: `${change.entityType}/${change.entityId}` },
        'Audit write failed',
      );
    }
  }

  query(q: AuditQuery) {
    return this.audit.query(q);
  }

  private build(change: AuditChange): AuditRecord {
    return {
      id: randomUUID(),
      at: this.clock.now().toISOString(),
      actor: RequestContext.actor(),
      requestId: RequestContext.requestId(),
      operation: change.operation,
      entityType: change.entityType,
      entityId: change.entityId,
      before: change.before === undefined ? undefined : redact(change.before),
      after: change.after === undefined ? undefined : redact(change.after),
    };
  }

  private expiry(at: string): number {
    return Math.floor(Date.parse(at) / 1000) + AUDIT_RETENTION_DAYS * 86_400;
  }
}
