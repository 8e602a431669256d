import { pino } from 'pino';
import { loggerOptions } from './logging';
import { RequestContext } from './request-context';

describe('the root logger', () => {
  const lines: string[] = [];
  const log = pino(loggerOptions('info', ['s3cr3t-value']), {
    write: (l: string) => lines.push(l),
  });
  const last = () => JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;

  it('puts the id of the request being served on every line, also after an await', async () => {
    await RequestContext.serve('req-1', async () => {
      log.info('inside');
      expect(last()).toMatchObject({ msg: 'inside', reqId: 'req-1' });
      await new Promise((resolve) => setTimeout(resolve, 1));
      log.warn({ detail: 1 }, 'later');
      expect(last()).toMatchObject({ msg: 'later', reqId: 'req-1', detail: 1 });
    });
    log.info('outside');
    expect(last()).not.toHaveProperty('reqId');
  });

  it("keeps a line's own fields over the request's", () => {
    RequestContext.serve('req-2', () => log.info({ reqId: 'named' }, 'own'));
    expect(last()).toMatchObject({ reqId: 'named' });
  });

  it('scrubs configured secrets and redacts secret-named fields', () => {
    log.info({ client: { apiKey: 'k-1' }, nested: { token: 't-1' } }, 'calling with s3cr3t-value');
    const line = lines[lines.length - 1];
    expect(line).not.toMatch(/s3cr3t-value|k-1|t-1/);
    expect(last()).toMatchObject({
      client: { apiKey: '[REDACTED]' },
      nested: { token: '[REDACTED]' },
    });
  });
});
