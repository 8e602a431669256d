import { defineCacheKey } from '../common/cache/cache-keys';

/** The GET /v1/customers/:id response. */
export const customerResponseKey = defineCacheKey('customer');
/** The customer entity, for hot paths (usage ingest) that must not read the table each time. */
export const customerRecordKey = defineCacheKey('customer-record');
