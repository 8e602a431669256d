import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CachedReads } from './cached-reads';
import { HttpCacheInterceptor } from './http-cache.interceptor';

/** Cache hits of `@CachedResource` routes answered before Nest's router (see CachedReads). */
@Module({
  imports: [DiscoveryModule],
  providers: [HttpCacheInterceptor, CachedReads],
  exports: [CachedReads],
})
export class HttpCacheModule {}
