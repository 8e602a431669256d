import type { DynamoDBRecord } from 'aws-lambda';
import { newQueueItemKey, recordId } from './stream-records';

const record = (
  eventName: DynamoDBRecord['eventName'],
  image: Record<string, { S: string }> | undefined,
  ids: { eventID?: string; SequenceNumber?: string } = {},
): DynamoDBRecord => ({
  eventID: ids.eventID ?? 'e1',
  eventName,
  eventSource: 'aws:dynamodb',
  dynamodb: { NewImage: image, SequenceNumber: ids.SequenceNumber, StreamViewType: 'NEW_IMAGE' },
});

const outbox = { pk: { S: 'OUTBOX#03' }, sk: { S: '2026-12-01T00:00:00.000Z#abc' } };

describe('newQueueItemKey', () => {
  it('names new outbox items and new subscriber queue items by key', () => {
    expect(newQueueItemKey(record('INSERT', { ...outbox, type: { S: 'OutboxBatch' } }))).toEqual({
      pk: 'OUTBOX#03',
      sk: '2026-12-01T00:00:00.000Z#abc',
    });
    const queued = { pk: { S: 'SUBQ#alerts' }, sk: { S: 'x' }, type: { S: 'SubscriberQueueItem' } };
    expect(newQueueItemKey(record('INSERT', queued))).toEqual({ pk: 'SUBQ#alerts', sk: 'x' });
  });

  it('ignores updates, removals, other items and records without an image', () => {
    const item = { ...outbox, type: { S: 'OutboxBatch' } };
    expect(newQueueItemKey(record('MODIFY', item))).toBeUndefined();
    expect(newQueueItemKey(record('REMOVE', item))).toBeUndefined();
    expect(
      newQueueItemKey(record('INSERT', { ...outbox, type: { S: 'Customer' } })),
    ).toBeUndefined();
    expect(newQueueItemKey(record('INSERT', { pk: outbox.pk, type: item.type }))).toBeUndefined();
    expect(newQueueItemKey(record('INSERT', undefined))).toBeUndefined();
  });
});

describe('recordId', () => {
  it('is the sequence number, else the event id', () => {
    expect(recordId(record('INSERT', undefined, { eventID: 'e9', SequenceNumber: '42' }))).toBe(
      '42',
    );
    expect(recordId(record('INSERT', undefined, { eventID: 'e9' }))).toBe('e9');
  });
});
