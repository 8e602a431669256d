import { Agent, request as httpRequest, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed body when it is JSON, otherwise undefined. */
  json: unknown;
}

export interface RawRequest {
  method: string;
  /** Sent as is (Node writes the request line as latin1): malformed percent-encoding included. */
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
}

/**
 * A client that sends exactly what it is given. supertest goes through the WHATWG URL parser,
 * which normalises paths (`..`, spaces, `%`) and so hides what hostile clients really send.
 */
export class RawHttpClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  /** Listens on an ephemeral port (if the server is not listening yet) and returns a client. */
  static async forServer(server: Server): Promise<RawHttpClient> {
    if (!server.listening) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }
    const { port } = server.address() as AddressInfo;
    return new RawHttpClient('127.0.0.1', port);
  }

  send(req: RawRequest, timeoutMs = 15_000): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const body =
        req.body === undefined
          ? undefined
          : typeof req.body === 'string'
            ? Buffer.from(req.body, 'utf8')
            : req.body;
      const headers: OutgoingHttpHeaders = { ...req.headers };
      if (body !== undefined && headers['content-length'] === undefined) {
        headers['content-length'] = String(body.length);
      }
      const outgoing = httpRequest(
        {
          host: this.host,
          port: this.port,
          method: req.method,
          path: req.path,
          headers,
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            if (/json/i.test(String(res.headers['content-type'] ?? ''))) {
              try {
                json = JSON.parse(text);
              } catch {
                json = undefined;
              }
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          });
        },
      );
      outgoing.setTimeout(timeoutMs, () => {
        outgoing.destroy(
          new Error(`no response within ${timeoutMs} ms: ${req.method} ${req.path}`),
        );
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
