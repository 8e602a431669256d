import { type AttributeValue, DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

let sequence = 1_000_000;

type Image = Record<string, AttributeValue>;

/** A stream record of `item` (DynamoDB JSON, as the table's stream carries it). */
export function streamRecord(
  item: Image,
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT',
): DynamoDBRecord {
  sequence += 1;
  return {
    eventID: `evt-${sequence}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
      Keys: { pk: item.pk, sk: item.sk } as never,
      NewImage: eventName === 'REMOVE' ? undefined : (item as never),
      SequenceNumber: String(sequence).padStart(21, '0'),
      SizeBytes: JSON.stringify(item).length,
      StreamViewType: 'NEW_IMAGE',
    },
    eventSourceARN:
      'arn:aws:dynamodb:us-east-1:123456789012:table/billing/stream/2026-12-01T00:00:00.000',
  };
}

export const streamEvent = (records: DynamoDBRecord[]): DynamoDBStreamEvent => ({
  Records: records,
});

/** Every item of the partitions, in DynamoDB JSON (what a stream record's NewImage holds). */
export async function rawItems(
  client: DynamoDBClient,
  table: string,
  partitions: string[],
): Promise<Image[]> {
  const items: Image[] = [];
  for (const pk of partitions) {
    let start: Image | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: pk } },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return items;
}
