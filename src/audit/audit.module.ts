import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';
// The module's configuration: defined on import, validated at start with every other fragment.
import './audit.config';

/**
 * The audit trail. Not global: a module that records changes imports it and injects
 * AuditService, whose `entry`/`entries` build the audit Puts that go into the module's own
 * transactions (with its outbox items), and whose `record` stores the rest.
 */
@Module({
  controllers: [AuditController],
  providers: [AuditRepository, AuditService],
  exports: [AuditService],
})
export class AuditModule {}
