import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeyThrottlerGuard } from './auth/api-key-throttler.guard';
import { RateLimitModule } from './auth/rate-limit.module';
import { ErrorFilter } from './errors/error.filter';
import { createValidationPipe } from './errors/validation';
import { IdGenerator, RandomIdGenerator } from './ids';
import { Clock, SystemClock } from './time/clock';

/**
 * Cross-cutting wiring, registered as APP_* providers so that tests built from AppModule get
 * exactly the production pipeline.
 */
@Global()
@Module({
  imports: [RateLimitModule],
  providers: [
    { provide: Clock, useClass: SystemClock },
    { provide: IdGenerator, useClass: RandomIdGenerator },
    { provide: APP_FILTER, useClass: ErrorFilter },
    // Order matters: the key is identified first, then counted against its rate limit.
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: ApiKeyThrottlerGuard },
    { provide: APP_PIPE, useFactory: createValidationPipe },
  ],
  exports: [Clock, IdGenerator],
})
export class CommonModule {}
