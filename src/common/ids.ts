import { randomUUID } from 'node:crypto';

/** Server-assigned ids come from here so tests can make them predictable. */
export abstract class IdGenerator {
  abstract next(prefix?: string): string;
}

export class RandomIdGenerator extends IdGenerator {
  next(prefix?: string): string {
    const id = randomUUID();
    return prefix ? `${prefix}_${id}` : id;
  }
}
