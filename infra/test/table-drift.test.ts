import { synth } from './synth';
import * as schema from '../lib/table-schema';

/**
 * The service creates its table itself outside production (src/database/table-setup.ts); this
 * stack creates it in AWS. Both must agree, so the service's own definition is loaded (its source,
 * transpiled by ts-jest: it needs none of the service's packages at run time) and compared with
 * the synthesized table.
 */
const service = require('../../src/database/table-definition') as {
  TTL_ATTRIBUTE: string;
  tableDefinition: (name: string) => {
    BillingMode: string;
    AttributeDefinitions: { AttributeName: string; AttributeType: string }[];
    KeySchema: { AttributeName: string; KeyType: string }[];
    GlobalSecondaryIndexes: {
      IndexName: string;
      KeySchema: { AttributeName: string; KeyType: string }[];
      Projection: { ProjectionType: string };
    }[];
  };
};

const events = require('../../src/events/outbox.model') as {
  OUTBOX_ITEM_TYPE: string;
  SUBSCRIBER_QUEUE_ITEM_TYPE: string;
};

const byName = (a: { AttributeName: string }, b: { AttributeName: string }) =>
  a.AttributeName.localeCompare(b.AttributeName);

describe('the table matches the service definition', () => {
  const definition = service.tableDefinition('billing');
  const table = Object.values(
    synth('dev', 'lambda').findResources('AWS::DynamoDB::Table') as Record<
      string,
      { Properties: Record<string, any> }
    >,
  )[0].Properties;

  it('has the same keys, attributes and billing mode', () => {
    expect(table.KeySchema).toEqual(definition.KeySchema);
    expect([...table.AttributeDefinitions].sort(byName)).toEqual(
      [...definition.AttributeDefinitions].sort(byName),
    );
    expect(table.BillingMode).toBe(definition.BillingMode);
  });

  it('has the same indexes', () => {
    expect(table.GlobalSecondaryIndexes).toEqual(definition.GlobalSecondaryIndexes);
  });

  it('expires items on the same attribute', () => {
    expect(table.TimeToLiveSpecification).toEqual({
      AttributeName: service.TTL_ATTRIBUTE,
      Enabled: true,
    });
    expect(schema.TTL_ATTRIBUTE).toBe(service.TTL_ATTRIBUTE);
  });

  it('passes the stream records of the item types the stream handler delivers', () => {
    expect([...schema.STREAM_ITEM_TYPES].sort()).toEqual(
      [events.OUTBOX_ITEM_TYPE, events.SUBSCRIBER_QUEUE_ITEM_TYPE].sort(),
    );
  });
});
