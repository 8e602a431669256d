import { Injectable, type PipeTransform } from '@nestjs/common';
import { ValidationFailed } from '../common/errors/domain-error';
import { EVENT_ID, USAGE_RULES } from './usage-rules';

/**
 * `:eventId` of usage routes: anything ingest could have recorded (1-128 visible ASCII
 * characters, percent-encoded in the path where needed) is looked up, so an unknown one is a 404;
 * anything else is a 400 naming `eventId`.
 */
@Injectable()
export class UsageEventIdPipe implements PipeTransform<string, string> {
  transform(value: unknown): string {
    if (
      typeof value !== 'string' ||
      value.length > USAGE_RULES.maxEventIdLength ||
      !EVENT_ID.test(value)
    ) {
      throw new ValidationFailed([
        {
          field: 'eventId',
          messages: [`eventId must be 1-${USAGE_RULES.maxEventIdLength} visible ASCII characters`],
        },
      ]);
    }
    return value;
  }
}
