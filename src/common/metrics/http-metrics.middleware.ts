import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service';

/**
 * Times every request, labelled by the matched route template (never the raw URL, so ids do not
 * leak into labels or blow up cardinality).
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const end = this.metrics.httpDuration.startTimer();
    response.once('finish', () => {
      const routePath = (request.route as { path?: string } | undefined)?.path;
      // Nest answers unknown routes from a catch-all route of its own; label those "unmatched".
      const route =
        routePath && !routePath.includes('*') ? `${request.baseUrl}${routePath}` : 'unmatched';
      end({ method: request.method, route, status: String(response.statusCode) });
    });
    next();
  }
}
