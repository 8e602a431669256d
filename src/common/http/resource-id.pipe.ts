import { Injectable, PipeTransform } from '@nestjs/common';
import { ValidationFailed } from '../errors/domain-error';

/** Ids are part of table keys: letters, digits, `_`, `-`, `.`; never `#`. */
export const RESOURCE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

@Injectable()
export class ResourceIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !RESOURCE_ID_PATTERN.test(value)) {
      throw new ValidationFailed([
        { field: 'id', messages: ['id must be 1-64 characters of letters, digits, "_", "-", "."'] },
      ]);
    }
    return value;
  }
}
