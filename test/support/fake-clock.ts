import { Clock } from '../../src/common/time/clock';

/** A clock tests move by hand. */
export class FakeClock extends Clock {
  private current: number;

  constructor(start: string | Date = new Date()) {
    super();
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(instant: string | Date): void {
    this.current = new Date(instant).getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
