/**
 * The table's layout as the service defines it (src/database/table-definition.ts and keys.ts).
 * Duplicated rather than imported so the infrastructure build never compiles the service's code
 * (nor needs its node_modules); test/table-drift.test.ts compares both and fails on any drift.
 */
export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';
export const GSI1_NAME = 'GSI1';
export const GSI1_PARTITION_KEY = 'gsi1pk';
export const GSI1_SORT_KEY = 'gsi1sk';
export const TTL_ATTRIBUTE = 'expiresAt';

/**
 * The `type` of the items the stream consumer handles (src/events/outbox.model.ts): outbox items
 * and subscriber queue items, both delivered when inserted (src/serverless/stream-records.ts).
 * The event source mapping passes only those inserts, so every other write to the table is
 * filtered out by Lambda before it costs an invocation.
 */
export const STREAM_ITEM_TYPES = ['OutboxBatch', 'SubscriberQueueItem'] as const;

/**
 * The data-plane actions the service's repositories use (GetCommand, QueryCommand, PutCommand,
 * UpdateCommand, DeleteCommand, BatchGet/BatchWrite, TransactWrite with ConditionCheck items) and
 * the health check's DescribeTable. A transaction needs the action of each of its items, so
 * TransactWriteItems adds none of its own. No Scan, no CreateTable/UpdateTimeToLive (the table is
 * created here, not by the service in production).
 */
export const SERVICE_TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
] as const;
