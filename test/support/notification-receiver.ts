import { createHmac, timingSafeEqual } from 'node:crypto';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedNotification {
  headers: IncomingHttpHeaders;
  /** The raw body, as signed. */
  raw: string;
  body: {
    text: string;
    event: { eventId: string; type: string; occurredAt: string; customerId?: string } & Record<
      string,
      unknown
    >;
  };
  /** The status this receiver answered. */
  status: number;
}

export interface NotificationReceiver {
  /** `http://127.0.0.1:<port><path>`. */
  url: string;
  /** Every request, whatever was answered. */
  requests: ReceivedNotification[];
  /** The requests answered 2xx: what the receiver took. */
  accepted(): ReceivedNotification[];
  /** The status answered from now on (200 unless told). */
  answer(status: number): void;
  /** Starts listening (a receiver created with `listen: false` refuses connections until then). */
  listen(): Promise<void>;
  close(): Promise<void>;
}

/** A webhook receiver on a local port, recording what it is sent. */
export async function startReceiver(
  options: { path?: string; port?: number; listen?: boolean } = {},
): Promise<NotificationReceiver> {
  const requests: ReceivedNotification[] = [];
  let status = 200;
  let server: Server | undefined;
  let port = options.port ?? 0;

  const listen = async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        requests.push({ headers: req.headers, raw, body: JSON.parse(raw), status });
        res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status < 300 ? 'ok' : 'down');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  };
  if (options.listen !== false) await listen();
  if (port === 0) throw new Error('a receiver that does not listen yet needs a port');

  return {
    get url() {
      return `http://127.0.0.1:${port}${options.path ?? '/hook'}`;
    },
    requests,
    accepted: () => requests.filter((r) => r.status >= 200 && r.status < 300),
    answer: (next) => {
      status = next;
    },
    listen,
    close: () =>
      new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A receiver's check of `X-Billing-Signature: t=…,v1=…` (HMAC-SHA256 of "<t>.<raw body>"). */
export function signatureOf(
  request: ReceivedNotification,
  secret: string,
): { t: number; valid: boolean } {
  const header = String(request.headers['x-billing-signature'] ?? '');
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return { t: NaN, valid: false };
  const expected = createHmac('sha256', secret).update(`${match[1]}.${request.raw}`).digest();
  return { t: Number(match[1]), valid: timingSafeEqual(expected, Buffer.from(match[2], 'hex')) };
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
