import { Logger } from '@nestjs/common';

/**
 * Collects the first argument of every Nest `Logger` log, warn and error call (the message)
 * instead of printing it, for tests that check what the service says. Restored by jest's
 * `restoreMocks`, or with `jest.restoreAllMocks()`.
 */
export function captureNestLogs(): string[] {
  const logged: string[] = [];
  for (const level of ['log', 'warn', 'error'] as const) {
    jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
      logged.push(String(args[0]));
    });
  }
  return logged;
}
