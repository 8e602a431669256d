import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

/** One action of a TransactWriteItems call (document-client form). */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
