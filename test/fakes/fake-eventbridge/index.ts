/**
 * In-process fake of Amazon EventBridge `PutEvents`, speaking AWS JSON 1.1 exactly as
 * `@aws-sdk/client-eventbridge` v3 sends and parses it, so the real client can be pointed at it
 * with `endpoint: fake.url`.
 *
 * Wire format (what the SDK does, see @aws-sdk/core AwsJson1_1Protocol):
 *   request:  POST /  content-type: application/x-amz-json-1.1  x-amz-target: AWSEvents.PutEvents
 *             body {"Entries":[{"Source","DetailType","Detail","EventBusName","Time"(epoch s),"Resources"}]}
 *   success:  200 {"FailedEntryCount":n,"Entries":[{"EventId"} | {"ErrorCode","ErrorMessage"}]}
 *   error:    non-200 {"__type":"<Name>","message":"..."} + header x-amzn-ErrorType: <Name>
 * The SDK reads the error name from `__type` first (then `code`, then the header), so
 * un-modelled errors (ValidationException, ServiceUnavailable, UnknownOperationException) come
 * out as `EventBridgeServiceException` with `name` set to that string; `$fault` is "client" for
 * 4xx and "server" for 5xx.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const PUT_EVENTS_TARGET = 'AWSEvents.PutEvents';
/** EventBridge limit on entries per PutEvents call. */
export const MAX_ENTRIES_PER_CALL = 10;
/** EventBridge limit on the summed entry size of one PutEvents call (256 KiB). */
export const MAX_REQUEST_ENTRIES_BYTES = 256 * 1024;

/** How the fake behaves while `down()`: answer 503, or destroy the socket (ECONNRESET). */
export type DownMode = 'unavailable' | 'reset';

/** Per-entry error codes EventBridge documents for PutEventsResultEntry. */
export type EntryErrorCode =
  | 'InternalFailure'
  | 'ThrottlingException'
  | 'InvalidArgument'
  | 'MalformedDetail'
  | 'AccessDeniedException'
  | (string & {});

/** An entry as it arrived (already validated), offered to `failEntries` predicates. */
export interface IncomingEntry {
  source: string;
  detailType: string;
  /** `Detail` parsed from JSON. */
  detail: unknown;
  rawDetail: string;
  eventBusName: string;
  resources: string[];
  time?: Date;
  traceHeader?: string;
}

/** An entry the fake accepted (answered with an EventId). */
export interface RecordedEntry extends IncomingEntry {
  eventId: string;
  /** 1-based number of the PutEvents call that delivered it. */
  call: number;
  /** Position of the entry inside that call. */
  index: number;
  receivedAt: Date;
}

/** One HTTP request the fake saw, whatever its outcome. */
export interface RecordedCall {
  /** 1-based sequence number. */
  call: number;
  target: string | undefined;
  entryCount: number;
  status: number | 'reset';
  /** `__type` of the error answered, or undefined on 200. */
  errorType?: string;
  failedEntryCount?: number;
}

export type EntryPredicate = (entry: IncomingEntry, index: number) => boolean;

export interface FakeEventBridgeOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Behaviour of `down()` when no mode is passed. Default 'unavailable' (503). */
  downMode?: DownMode;
  /** Bus name recorded when an entry has no EventBusName. Default 'default'. */
  defaultEventBusName?: string;
}

export interface FakeEventBridge {
  /** e.g. http://127.0.0.1:34567 — pass as `endpoint` to EventBridgeClient. */
  readonly url: string;
  readonly port: number;
  /** Accepted entries, in arrival order (live array; cleared by `reset()`). */
  readonly entries: RecordedEntry[];
  /** Every request received (live array; cleared by `reset()`). */
  readonly calls: RecordedCall[];
  /** Number of requests received (PutEvents or not, including rejected / reset ones). */
  readonly callCount: number;
  /** True between `down()` and `up()` (or the end of `down(ms)`). */
  readonly isDown: boolean;
  /**
   * Make the service unavailable: every request gets 503 `ServiceUnavailable` (mode
   * 'unavailable') or has its connection destroyed (mode 'reset'). With `ms`, comes back up by
   * itself after that many milliseconds.
   */
  down(ms?: number, mode?: DownMode): void;
  up(): void;
  /**
   * Partial failures. With a number n: the next n entries that would otherwise be accepted fail
   * (counted across calls). With a predicate: every matching entry fails until `reset()` /
   * `clearFailures()`. Failed entries are answered `{ErrorCode, ErrorMessage}` (default
   * `InternalFailure`), counted in FailedEntryCount and not recorded.
   */
  failEntries(selector: number | EntryPredicate, errorCode?: EntryErrorCode): void;
  clearFailures(): void;
  /** Delay every response by `ms` (0 to stop). Useful for client timeout tests. */
  setLatency(ms: number): void;
  /** Resolves once at least `count` entries were accepted; rejects after `timeoutMs`. */
  waitForEntries(count: number, timeoutMs?: number): Promise<RecordedEntry[]>;
  /** Accepted entries with this DetailType. */
  entriesOfType(detailType: string): RecordedEntry[];
  /** Forget entries, calls, faults and latency; bring the service up. */
  reset(): void;
  close(): Promise<void>;
}

interface FailureRule {
  remaining?: number;
  predicate?: EntryPredicate;
  errorCode: EntryErrorCode;
}

interface ErrorReply {
  status: number;
  type: string;
  message: string;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function parseTime(value: unknown): Date | undefined | 'invalid' {
  if (value === undefined || value === null) return undefined;
  // The SDK serialises Time as epoch seconds (a JSON number, possibly fractional).
  const date =
    typeof value === 'number'
      ? new Date(value * 1000)
      : typeof value === 'string'
        ? new Date(value)
        : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : 'invalid';
}

/** Entry size as EventBridge computes it (docs: "Calculating PutEvents event entry size"). */
function entrySize(entry: Record<string, unknown>): number {
  let size = entry.Time !== undefined ? 14 : 0;
  for (const key of ['Source', 'DetailType', 'Detail'] as const) {
    const v = entry[key];
    if (typeof v === 'string') size += Buffer.byteLength(v, 'utf8');
  }
  if (Array.isArray(entry.Resources)) {
    for (const r of entry.Resources) if (typeof r === 'string') size += Buffer.byteLength(r);
  }
  return size;
}

type Validated = { ok: true; entry: IncomingEntry } | { ok: false; code: string; message: string };

function validateEntry(raw: unknown, defaultBus: string): Validated {
  if (!isRecord(raw)) {
    return { ok: false, code: 'InvalidArgument', message: 'Entry is not a structure.' };
  }
  for (const key of ['Source', 'DetailType', 'Detail'] as const) {
    if (!nonEmptyString(raw[key])) {
      return {
        ok: false,
        code: 'InvalidArgument',
        message: `Parameter ${key} is not valid. Reason: ${key} is a required argument.`,
      };
    }
  }
  const rawDetail = raw.Detail as string;
  let detail: unknown;
  try {
    detail = JSON.parse(rawDetail);
  } catch {
    return { ok: false, code: 'MalformedDetail', message: 'Detail is malformed.' };
  }
  if (!isRecord(detail)) {
    // EventBridge requires Detail to be a JSON object.
    return { ok: false, code: 'MalformedDetail', message: 'Detail is malformed.' };
  }
  const time = parseTime(raw.Time);
  if (time === 'invalid') {
    return { ok: false, code: 'InvalidArgument', message: 'Parameter Time is not valid.' };
  }
  const resources = raw.Resources ?? [];
  if (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string')) {
    return { ok: false, code: 'InvalidArgument', message: 'Parameter Resources is not valid.' };
  }
  return {
    ok: true,
    entry: {
      source: raw.Source as string,
      detailType: raw.DetailType as string,
      detail,
      rawDetail,
      eventBusName: nonEmptyString(raw.EventBusName) ? raw.EventBusName : defaultBus,
      resources,
      time,
      traceHeader: nonEmptyString(raw.TraceHeader) ? raw.TraceHeader : undefined,
    },
  };
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export async function startFakeEventBridge(
  opts: FakeEventBridgeOptions = {},
): Promise<FakeEventBridge> {
  const host = opts.host ?? '127.0.0.1';
  const defaultBus = opts.defaultEventBusName ?? 'default';
  const defaultDownMode = opts.downMode ?? 'unavailable';

  const entries: RecordedEntry[] = [];
  const calls: RecordedCall[] = [];
  let callSeq = 0;
  let downMode: DownMode | undefined;
  let downTimer: NodeJS.Timeout | undefined;
  let failures: FailureRule[] = [];
  let latencyMs = 0;
  let waiters: Array<() => void> = [];

  const notifyWaiters = (): void => {
    const current = waiters;
    waiters = [];
    current.forEach((w) => w());
  };

  const pickFailure = (entry: IncomingEntry, index: number): FailureRule | undefined => {
    for (const rule of failures) {
      if (rule.remaining !== undefined) {
        if (rule.remaining > 0) {
          rule.remaining -= 1;
          return rule;
        }
      } else if (rule.predicate?.(entry, index)) {
        return rule;
      }
    }
    return undefined;
  };

  const handlePutEvents = (body: unknown, call: number): { status: 200; payload: unknown } => {
    const rawEntries = (body as { Entries: unknown[] }).Entries;
    const results: EntryResult[] = [];
    let failed = 0;
    rawEntries.forEach((raw, index) => {
      const v = validateEntry(raw, defaultBus);
      if (!v.ok) {
        failed += 1;
        results.push({ ErrorCode: v.code, ErrorMessage: v.message });
        return;
      }
      const rule = pickFailure(v.entry, index);
      if (rule) {
        failed += 1;
        results.push({
          ErrorCode: rule.errorCode,
          ErrorMessage: `Injected failure (${rule.errorCode}) by fake EventBridge.`,
        });
        return;
      }
      const eventId = randomUUID();
      entries.push({ ...v.entry, eventId, call, index, receivedAt: new Date() });
      results.push({ EventId: eventId });
    });
    return { status: 200, payload: { FailedEntryCount: failed, Entries: results } };
  };

  /** Request-level validation; returns an error reply or undefined when the call is valid. */
  const validateRequest = (target: string | undefined, body: unknown): ErrorReply | undefined => {
    if (target !== PUT_EVENTS_TARGET) {
      return {
        status: 400,
        type: 'UnknownOperationException',
        message: `Unknown operation ${target ?? '(missing X-Amz-Target)'}`,
      };
    }
    if (!isRecord(body)) {
      return { status: 400, type: 'SerializationException', message: 'Request body is not JSON.' };
    }
    const list = body.Entries;
    if (!Array.isArray(list)) {
      return {
        status: 400,
        type: 'ValidationException',
        message:
          "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
      };
    }
    if (list.length < 1 || list.length > MAX_ENTRIES_PER_CALL) {
      const bound =
        list.length < 1
          ? 'greater than or equal to 1'
          : `less than or equal to ${MAX_ENTRIES_PER_CALL}`;
      return {
        status: 400,
        type: 'ValidationException',
        message: `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${bound}`,
      };
    }
    const total = list.reduce<number>((n, e) => n + (isRecord(e) ? entrySize(e) : 0), 0);
    if (total > MAX_REQUEST_ENTRIES_BYTES) {
      return {
        status: 400,
        type: 'ValidationException',
        message: 'Total size of the entries in the request is over the limit.',
      };
    }
    return undefined;
  };

  const send = (
    res: http.ServerResponse,
    status: number,
    payload: unknown,
    errorType?: string,
  ): void => {
    const text = JSON.stringify(payload);
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': JSON_CONTENT_TYPE,
      'Content-Length': Buffer.byteLength(text),
      'x-amzn-RequestId': randomUUID(),
    };
    if (errorType) headers['x-amzn-ErrorType'] = errorType;
    const write = (): void => {
      if (res.destroyed) return;
      res.writeHead(status, headers);
      res.end(text);
    };
    if (latencyMs > 0) setTimeout(write, latencyMs).unref();
    else write();
  };

  const sendError = (res: http.ServerResponse, err: ErrorReply): void =>
    send(res, err.status, { __type: err.type, message: err.message }, err.type);

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      callSeq += 1;
      const call = callSeq;
      const target = header(req, 'x-amz-target');
      let body: unknown;
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        body = text.length > 0 ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      const entryCount =
        isRecord(body) && Array.isArray(body.Entries) ? (body.Entries as unknown[]).length : 0;
      const record: RecordedCall = { call, target, entryCount, status: 200 };
      calls.push(record);

      if (downMode === 'reset') {
        record.status = 'reset';
        req.socket.destroy();
        return;
      }
      if (downMode === 'unavailable') {
        record.status = 503;
        record.errorType = 'ServiceUnavailable';
        sendError(res, {
          status: 503,
          type: 'ServiceUnavailable',
          message: 'Service is unavailable (fake EventBridge is down).',
        });
        return;
      }
      if (req.method !== 'POST') {
        record.status = 400;
        record.errorType = 'UnknownOperationException';
        sendError(res, {
          status: 400,
          type: 'UnknownOperationException',
          message: `Unsupported method ${req.method}`,
        });
        return;
      }
      const invalid = validateRequest(target, body);
      if (invalid) {
        record.status = invalid.status;
        record.errorType = invalid.type;
        sendError(res, invalid);
        return;
      }
      const { status, payload } = handlePutEvents(body, call);
      record.failedEntryCount = (payload as { FailedEntryCount: number }).FailedEntryCount;
      send(res, status, payload);
      notifyWaiters();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const clearDownTimer = (): void => {
    if (downTimer) clearTimeout(downTimer);
    downTimer = undefined;
  };

  const fake: FakeEventBridge = {
    url: `http://${host}:${port}`,
    port,
    entries,
    calls,
    get callCount() {
      return callSeq;
    },
    get isDown() {
      return downMode !== undefined;
    },
    down(ms?: number, mode: DownMode = defaultDownMode) {
      clearDownTimer();
      downMode = mode;
      if (ms !== undefined) {
        downTimer = setTimeout(() => fake.up(), ms);
        downTimer.unref();
      }
    },
    up() {
      clearDownTimer();
      downMode = undefined;
    },
    failEntries(selector, errorCode = 'InternalFailure') {
      failures.push(
        typeof selector === 'number'
          ? { remaining: selector, errorCode }
          : { predicate: selector, errorCode },
      );
    },
    clearFailures() {
      failures = [];
    },
    setLatency(ms: number) {
      latencyMs = ms;
    },
    waitForEntries(count: number, timeoutMs = 2000) {
      return new Promise<RecordedEntry[]>((resolve, reject) => {
        const check = (): boolean => {
          if (entries.length < count) return false;
          clearTimeout(timer);
          resolve(entries.slice());
          return true;
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(
            new Error(
              `fake EventBridge: expected ${count} entries within ${timeoutMs} ms, got ${entries.length}`,
            ),
          );
        }, timeoutMs);
        const waiter = (): void => {
          if (!check()) waiters.push(waiter);
        };
        if (!check()) waiters.push(waiter);
      });
    },
    entriesOfType(detailType: string) {
      return entries.filter((e) => e.detailType === detailType);
    },
    reset() {
      entries.length = 0;
      calls.length = 0;
      callSeq = 0;
      failures = [];
      latencyMs = 0;
      fake.up();
    },
    close() {
      clearDownTimer();
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
  return fake;
}
