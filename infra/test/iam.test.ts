import type { Template } from 'aws-cdk-lib/assertions';
import { SERVICE_TABLE_ACTIONS } from '../lib/table-schema';
import { type ComputeKind } from '../lib/billing-stack';
import { logicalIdOf, referencedId, resourcesOf, synth } from './synth';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every statement of every AWS::IAM::Policy, with the policy's logical id. */
function statementsOf(template: Template): { policy: string; statement: Statement }[] {
  return Object.entries(resourcesOf(template, 'AWS::IAM::Policy')).flatMap(([policy, resource]) =>
    (resource.Properties?.PolicyDocument.Statement as Statement[]).map((statement) => ({
      policy,
      statement,
    })),
  );
}

/**
 * Actions IAM grants on `*` only (no resource-level permissions): listing the table's streams,
 * which Lambda needs to read the stream, and the ECR login token of the image pull.
 */
const RESOURCE_WILDCARD_ONLY = new Set(['dynamodb:ListStreams', 'ecr:GetAuthorizationToken']);

/** What a resource reference must point at, by the action's service. */
function expectScoped(template: Template, action: string, resources: unknown[]): void {
  const tableId = logicalIdOf(template, 'AWS::DynamoDB::Table');
  const busId = logicalIdOf(template, 'AWS::Events::EventBus');
  const secretIds = Object.keys(resourcesOf(template, 'AWS::SecretsManager::Secret'));
  if (RESOURCE_WILDCARD_ONLY.has(action)) {
    expect(resources).toEqual(['*']);
    return;
  }
  for (const resource of resources) {
    expect(resource).not.toBe('*');
    const service = action.split(':')[0];
    if (service === 'dynamodb') {
      // The table, its indexes (`<arn>/index/*`) or its stream.
      const json = JSON.stringify(resource);
      expect(json).toContain(`"${tableId}"`);
      expect([
        JSON.stringify({ 'Fn::GetAtt': [tableId, 'Arn'] }),
        JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/*']] }),
        JSON.stringify({ 'Fn::GetAtt': [tableId, 'StreamArn'] }),
      ]).toContain(json);
    } else if (service === 'events') {
      expect(referencedId(resource)).toBe(busId);
    } else if (service === 'secretsmanager') {
      expect(secretIds).toContain(referencedId(resource));
    }
  }
}

describe.each<ComputeKind>(['lambda', 'fargate'])('IAM in %s mode', (compute) => {
  const template = synth('prod', compute);
  const statements = statementsOf(template);

  it('has policies to check', () => {
    expect(statements.length).toBeGreaterThan(0);
  });

  it('allows only, and names every action exactly', () => {
    for (const { statement } of statements) {
      expect(statement.Effect).toBe('Allow');
      for (const action of list(statement.Action)) {
        expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
      }
    }
  });

  it('scopes every statement to this stack’s table, bus, secrets or its own resources', () => {
    for (const { statement } of statements) {
      for (const action of list(statement.Action))
        expectScoped(template, action, list(statement.Resource));
    }
  });

  it('grants the service exactly the table actions its repositories use', () => {
    const tableStatements = statements.filter(({ statement }) =>
      list(statement.Action).includes('dynamodb:PutItem'),
    );
    expect(tableStatements.length).toBe(compute === 'lambda' ? 3 : 1);
    for (const { statement } of tableStatements) {
      expect([...list(statement.Action)].sort()).toEqual([...SERVICE_TABLE_ACTIONS].sort());
    }
    const tableActions = statements.flatMap(({ statement }) =>
      list(statement.Action).filter((a) => a.startsWith('dynamodb:')),
    );
    for (const action of [
      'dynamodb:Scan',
      'dynamodb:CreateTable',
      'dynamodb:DeleteTable',
      'dynamodb:UpdateTimeToLive',
    ]) {
      expect(tableActions).not.toContain(action);
    }
  });

  it('lets the service put events on this bus and read these secrets, nothing more of either', () => {
    const events = statements.flatMap(({ statement }) =>
      list(statement.Action).filter((a) => a.startsWith('events:')),
    );
    expect(new Set(events)).toEqual(new Set(['events:PutEvents']));
    const secrets = statements.flatMap(({ statement }) =>
      list(statement.Action).filter((a) => a.startsWith('secretsmanager:')),
    );
    // ECS's own injection of DOCUMENT_LINK_SECRET (execution role) also describes the secret.
    const allowed =
      compute === 'lambda'
        ? ['secretsmanager:GetSecretValue']
        : ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];
    expect([...new Set(secrets)].sort()).toEqual(allowed.sort());
  });
});
