import { AsyncResource } from 'node:async_hooks';
import {
  BadRequestException,
  type CallHandler,
  Controller,
  type ExecutionContext,
  Get,
  Injectable,
  type NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { InterceptorsConsumer } from '@nestjs/core/interceptors/interceptors-consumer';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { map, type Observable, of } from 'rxjs';
import { RequestContext } from '../request-context';
import { useCheapInterceptorScopes } from './interceptor-scope';

const seen: string[] = [];

/** Records the request id it sees before and after the handler, and wraps the answer. */
@Injectable()
class Outer implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    seen.push(`outer:${RequestContext.requestId()}`);
    return next.handle().pipe(map((body: unknown) => ({ outer: body })));
  }
}

/** Async, as HttpCacheInterceptor is: answers `?cached` itself, without calling the handler. */
@Injectable()
class InnerAsync implements NestInterceptor {
  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    seen.push(`inner:${RequestContext.requestId()}`);
    const query = context.switchToHttp().getRequest<{ query: Record<string, string> }>().query;
    if ('cached' in query) return of({ from: 'interceptor' });
    if ('throw' in query) throw new BadRequestException('thrown by an interceptor');
    return next.handle();
  }
}

@Controller('scoped')
@UseInterceptors(Outer, InnerAsync)
class ScopedController {
  @Get()
  async get(): Promise<unknown> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    seen.push(`handler:${RequestContext.requestId()}`);
    return { requestId: RequestContext.requestId() };
  }

  @Get('fails')
  fails(): never {
    throw new BadRequestException('thrown by the handler');
  }
}

describe('interceptor scopes', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    expect(useCheapInterceptorScopes()).toBe(true);
    const moduleRef = await Test.createTestingModule({
      controllers: [ScopedController],
      providers: [Outer, InnerAsync],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRequest', (request, _reply, done) =>
        RequestContext.serve(String(request.headers['x-request-id']), done),
      );
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(() => app.close());
  beforeEach(() => (seen.length = 0));

  const get = (url: string, requestId: string) =>
    app.inject({ method: 'GET', url, headers: { 'x-request-id': requestId } });

  it('replaces the NestJS 11 consumer once (it bound two functions per request)', () => {
    expect(InterceptorsConsumer.prototype.intercept.toString()).not.toContain('AsyncResource.bind');
    expect(useCheapInterceptorScopes()).toBe(true);
  });

  it("runs interceptors and the handler in the request's context, also after awaits", async () => {
    const bind = jest.spyOn(AsyncResource, 'bind');
    const [a, b] = await Promise.all([get('/scoped', 'req-a'), get('/scoped', 'req-b')]);
    expect(a.json()).toEqual({ outer: { requestId: 'req-a' } });
    expect(b.json()).toEqual({ outer: { requestId: 'req-b' } });
    expect(seen.filter((s) => s.endsWith('req-a'))).toEqual([
      'outer:req-a',
      'inner:req-a',
      'handler:req-a',
    ]);
    expect(bind).not.toHaveBeenCalled();
    bind.mockRestore();
  });

  it('lets an interceptor answer without calling the handler', async () => {
    const res = await get('/scoped?cached', 'req-c');
    expect(res.json()).toEqual({ outer: { from: 'interceptor' } });
    expect(seen).toEqual(['outer:req-c', 'inner:req-c']);
  });

  it("sends the handler's and an interceptor's errors to the exception filters", async () => {
    const fromHandler = await get('/scoped/fails', 'req-d');
    expect(fromHandler.statusCode).toBe(400);
    expect(fromHandler.json()).toMatchObject({ message: 'thrown by the handler' });
    const fromInterceptor = await get('/scoped?throw', 'req-e');
    expect(fromInterceptor.statusCode).toBe(400);
    expect(fromInterceptor.json()).toMatchObject({ message: 'thrown by an interceptor' });
  });
});
