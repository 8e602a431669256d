import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
} from '@aws-sdk/client-dynamodb';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What DynamoDB would bill for what the app sends it: a proxy between the app and DynamoDB Local
 * that reads every request (the DynamoDB JSON protocol), computes request units from the item
 * sizes with DynamoDB's documented rules, and asks the store for `ReturnConsumedCapacity:
 * INDEXES` to print beside them (DynamoDB Local does not double transactional units).
 *
 * Rules applied (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/
 * provisioned-capacity-mode.html, .../transaction-apis.html#transaction-capacity-handling,
 * .../CapacityUnitCalculations.html):
 * - a write costs ceil(max(item size before, after) / 1 KB) units; a transactional one twice
 *   that; a ConditionCheck in a transaction is billed as a transactional write of its item;
 * - a global secondary index entry written, changed or deleted costs ceil(size / 1 KB) more
 *   (projection ALL, so the entry is the item; index updates are not transactional and are not
 *   doubled); a change of the index key is a delete plus a put;
 * - a read costs ceil(size / 4 KB) units per item (GetItem, BatchGetItem) or per page (Query and
 *   Scan: the sum of the items the key condition reads, before any filter or projection), at
 *   least one; half for eventually consistent reads, twice for TransactGetItems.
 * Item sizes before and after each write come from reads the proxy makes on the side (not
 * metered), so the numbers are exact when requests on the same items do not overlap.
 */
export interface MeterTotals {
  requests: number;
  /** Computed write/read request units, by item kind (see itemKind) and in total. */
  wru: number;
  rru: number;
  wruByKind: Record<string, number>;
  rruByKind: Record<string, number>;
  /** Items written (puts, updates, deletes, condition checks) by kind and operation. */
  writesByKind: Record<string, number>;
  /** Units DynamoDB Local reported (table + indexes). */
  reportedWcu: number;
  reportedRcu: number;
  failedWrites: number;
  byOperation: Record<string, number>;
}

type Item = Record<string, AttributeValue>;
type Json = Record<string, unknown>;

const KEY_ATTRS = ['pk', 'sk'];
const INDEX_KEYS = ['gsi1pk', 'gsi1sk'];
const KB = 1024;

const empty = (): MeterTotals => ({
  requests: 0,
  wru: 0,
  rru: 0,
  wruByKind: {},
  rruByKind: {},
  writesByKind: {},
  reportedWcu: 0,
  reportedRcu: 0,
  failedWrites: 0,
  byOperation: {},
});

/** DynamoDB's item size: attribute names plus values (numbers ≈ significant digits / 2 + 1). */
export function attributeSize(value: AttributeValue): number {
  const v = value as unknown as Record<string, unknown>;
  if (typeof v.S === 'string') return Buffer.byteLength(v.S);
  if (typeof v.N === 'string') return numberSize(v.N);
  if (v.B !== undefined) return Buffer.from(v.B as string, 'base64').length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (Array.isArray(v.SS)) return (v.SS as string[]).reduce((s, x) => s + Buffer.byteLength(x), 0);
  if (Array.isArray(v.NS)) return (v.NS as string[]).reduce((s, x) => s + numberSize(x), 0);
  if (Array.isArray(v.BS))
    return (v.BS as string[]).reduce((s, x) => s + Buffer.from(x, 'base64').length, 0);
  if (Array.isArray(v.L))
    return 3 + (v.L as AttributeValue[]).reduce((s, x) => s + 1 + attributeSize(x), 0);
  if (v.M && typeof v.M === 'object') return 3 + itemSize(v.M as Item) + Object.keys(v.M).length;
  return 0;
}

function numberSize(n: string): number {
  const digits = n.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

export function itemSize(item: Item | undefined): number {
  if (!item) return 0;
  let size = 0;
  for (const [name, value] of Object.entries(item))
    size += Buffer.byteLength(name) + attributeSize(value);
  return size;
}

const str = (v: AttributeValue | undefined) => (v as { S?: string } | undefined)?.S ?? '';

/** What an item is, from its key: `USAGE/EVENT`, `USAGE/DAY`, `OUTBOX`, `SUBQ#alerts`, … */
export function itemKind(key: Item): string {
  const pk = str(key.pk);
  const head = pk.split('#')[0];
  if (head === 'USAGE') return `USAGE/${str(key.sk).split('#')[0]}`;
  if (head === 'SUBQ') return pk.split('#').slice(0, 2).join('#');
  return head || '?';
}

const keyOf = (item: Item): Item => Object.fromEntries(KEY_ATTRS.map((k) => [k, item[k]]));
const hasIndexKey = (item: Item | undefined) => !!item && INDEX_KEYS.every((k) => item[k]);
const sameIndexKey = (a: Item, b: Item) => INDEX_KEYS.every((k) => str(a[k]) === str(b[k]));
const add = (map: Record<string, number>, key: string, n: number) => {
  map[key] = (map[key] ?? 0) + n;
};

interface WriteTarget {
  table: string;
  key: Item;
  op: 'put' | 'update' | 'delete' | 'check';
  item?: Item;
  transactional: boolean;
}

export class StoreMeter {
  private server?: Server;
  private side: DynamoDBClient;
  private totals = empty();

  constructor(private readonly target: string) {
    this.side = new DynamoDBClient({
      endpoint: target,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 3,
    });
  }

  /** Listens on a free port; returns the endpoint to give the app. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.handle(req.headers, Buffer.concat(chunks)).then(
          ({ status, headers, body }) => {
            res.writeHead(status, headers);
            res.end(body);
          },
          (error: unknown) => {
            res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
            res.end(JSON.stringify({ __type: 'MeterError', message: String(error) }));
          },
        );
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.totals = empty();
  }

  snapshot(): MeterTotals {
    return structuredClone(this.totals);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
    this.side.destroy();
  }

  private async handle(
    headers: NodeJS.Dict<string | string[]>,
    raw: Buffer,
  ): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
    const op = String(headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    let body = raw;
    let input: Json | undefined;
    const metered = WRITE_OPS.has(op) || READ_OPS.has(op);
    if (metered) {
      input = JSON.parse(raw.toString('utf8')) as Json;
      body = Buffer.from(JSON.stringify({ ...input, ReturnConsumedCapacity: 'INDEXES' }));
    }
    const writes = input && WRITE_OPS.has(op) ? writeTargets(op, input) : [];
    const before = await Promise.all(writes.map((w) => this.get(w.table, w.key)));
    const response = await forward(this.target, headers, body);
    if (!metered || !input) return response;
    const t = this.totals;
    t.requests++;
    add(t.byOperation, op, 1);
    const output =
      response.status === 200 ? (JSON.parse(response.body.toString('utf8')) as Json) : {};
    for (const c of consumed(output.ConsumedCapacity)) {
      if (WRITE_OPS.has(op)) t.reportedWcu += c;
      else t.reportedRcu += c;
    }
    if (WRITE_OPS.has(op)) {
      if (response.status !== 200) {
        t.failedWrites += writes.length;
        return response;
      }
      const after = await Promise.all(
        writes.map((w) =>
          w.op === 'delete' ? Promise.resolve(undefined) : this.get(w.table, w.key),
        ),
      );
      writes.forEach((w, i) =>
        this.chargeWrite(w, before[i], w.op === 'check' ? before[i] : after[i]),
      );
    } else if (response.status === 200) {
      await this.chargeRead(op, input, output);
    }
    return response;
  }

  private chargeWrite(w: WriteTarget, before: Item | undefined, after: Item | undefined): void {
    const t = this.totals;
    const kind = itemKind(w.key);
    const units =
      Math.max(1, Math.ceil(Math.max(itemSize(before), itemSize(after)) / KB)) *
      (w.transactional ? 2 : 1);
    let index = 0;
    if (w.op !== 'check') {
      const b = hasIndexKey(before) ? before : undefined;
      const a = hasIndexKey(after) ? after : undefined;
      const entry = (item: Item) => Math.max(1, Math.ceil(itemSize(item) / KB));
      if (b && a)
        index = sameIndexKey(b, a)
          ? Math.max(1, Math.ceil(Math.max(itemSize(b), itemSize(a)) / KB))
          : entry(b) + entry(a);
      else if (b) index = entry(b);
      else if (a) index = entry(a);
    }
    t.wru += units + index;
    add(t.wruByKind, kind, units);
    if (index > 0) add(t.wruByKind, `${kind} (GSI1)`, index);
    add(t.writesByKind, `${kind} ${w.op}`, 1);
  }

  private async chargeRead(op: string, input: Json, output: Json): Promise<void> {
    const t = this.totals;
    const charge = (kind: string, bytes: number, factor: number) => {
      const units = Math.max(1, Math.ceil(bytes / (4 * KB))) * factor;
      t.rru += units;
      add(t.rruByKind, kind, units);
    };
    if (op === 'GetItem') {
      const full = await this.get(String(input.TableName), input.Key as Item);
      charge(itemKind(input.Key as Item), itemSize(full), input.ConsistentRead ? 1 : 0.5);
    } else if (op === 'BatchGetItem') {
      for (const [table, req] of Object.entries(input.RequestItems as Record<string, Json>)) {
        for (const key of req.Keys as Item[]) {
          charge(itemKind(key), itemSize(await this.get(table, key)), req.ConsistentRead ? 1 : 0.5);
        }
      }
    } else if (op === 'TransactGetItems') {
      for (const { Get } of input.TransactItems as { Get: Json }[]) {
        const key = Get.Key as Item;
        charge(itemKind(key), itemSize(await this.get(String(Get.TableName), key)), 2);
      }
    } else if (op === 'Query' || op === 'Scan') {
      // The same page without filter or projection: what the key condition read.
      const plain = { ...input };
      for (const k of [
        'ProjectionExpression',
        'FilterExpression',
        'Select',
        'ReturnConsumedCapacity',
      ])
        delete plain[k];
      const names = (plain.ExpressionAttributeNames ?? {}) as Record<string, string>;
      const values = (plain.ExpressionAttributeValues ?? {}) as Item;
      const used =
        typeof plain.KeyConditionExpression === 'string' ? plain.KeyConditionExpression : '';
      plain.ExpressionAttributeNames = pick(names, used);
      plain.ExpressionAttributeValues = pick(values, used);
      for (const k of ['ExpressionAttributeNames', 'ExpressionAttributeValues'])
        if (Object.keys(plain[k] as Json).length === 0) delete plain[k];
      const page =
        op === 'Query'
          ? await this.side.send(new QueryCommand(plain as unknown as QueryCommandInput))
          : await this.side.send(new ScanCommand(plain as unknown as ScanCommandInput));
      const bytes = (page.Items ?? []).reduce((s, item) => s + itemSize(item), 0);
      const first = page.Items?.[0] ?? (output.Items as Item[] | undefined)?.[0];
      const index = typeof input.IndexName === 'string' ? input.IndexName : undefined;
      const kind = index
        ? `${index} ${str(first?.gsi1pk).split('#')[0] || '(empty)'}`
        : first
          ? itemKind(first)
          : `${partitionOf(input)} (empty)`;
      charge(kind, bytes, input.ConsistentRead ? 1 : 0.5);
    }
  }

  private async get(table: string, key: Item): Promise<Item | undefined> {
    const out = await this.side.send(
      new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
    );
    return out.Item;
  }
}

const WRITE_OPS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);
const READ_OPS = new Set(['GetItem', 'BatchGetItem', 'TransactGetItems', 'Query', 'Scan']);

function writeTargets(op: string, input: Json): WriteTarget[] {
  const single = (kind: WriteTarget['op'], x: Json, transactional: boolean): WriteTarget => ({
    table: String(x.TableName),
    key: x.Item ? keyOf(x.Item as Item) : (x.Key as Item),
    op: kind,
    item: x.Item as Item | undefined,
    transactional,
  });
  switch (op) {
    case 'PutItem':
      return [single('put', input, false)];
    case 'UpdateItem':
      return [single('update', input, false)];
    case 'DeleteItem':
      return [single('delete', input, false)];
    case 'BatchWriteItem':
      return Object.entries(input.RequestItems as Record<string, Json[]>).flatMap(([table, reqs]) =>
        reqs.map((r) =>
          r.PutRequest
            ? single('put', { TableName: table, ...(r.PutRequest as Json) }, false)
            : single('delete', { TableName: table, ...(r.DeleteRequest as Json) }, false),
        ),
      );
    case 'TransactWriteItems':
      return (input.TransactItems as Json[]).map((x) =>
        x.Put
          ? single('put', x.Put as Json, true)
          : x.Update
            ? single('update', x.Update as Json, true)
            : x.Delete
              ? single('delete', x.Delete as Json, true)
              : single('check', x.ConditionCheck as Json, true),
      );
    default:
      return [];
  }
}

/** The kind of partition an empty Query asked for, from its first key value with a `#`. */
function partitionOf(input: Json): string {
  const values = Object.values((input.ExpressionAttributeValues ?? {}) as Item).map(str);
  const pk = values.find((v) => v.includes('#')) ?? values[0] ?? '?';
  return itemKind({ pk: { S: pk }, sk: { S: values[1] ?? '' } });
}

/** The entries of `map` whose names appear in `expression`. */
function pick<T>(map: Record<string, T>, expression: string): Record<string, T> {
  return Object.fromEntries(
    Object.entries(map).filter(([k]) =>
      new RegExp(`${k.replace(/[^A-Za-z0-9_]/g, '\\$&')}(?![A-Za-z0-9_])`).test(expression),
    ),
  );
}

/** Capacity units in a `ConsumedCapacity` (one or a list): table plus indexes, or the total. */
function consumed(value: unknown): number[] {
  const list = (Array.isArray(value) ? value : value ? [value] : []) as Json[];
  return list.map((c) => Number(c.CapacityUnits ?? 0));
}

function forward(
  target: string,
  headers: NodeJS.Dict<string | string[]>,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
  const url = new URL(target);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/',
        headers: { ...headers, host: url.host, 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = v;
          resolve({ status: res.statusCode ?? 500, headers: out, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
