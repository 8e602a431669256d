/**
 * Retries `check` (an assertion, or anything that throws until the state is reached) every
 * 200 ms until it passes or `timeoutMs` has gone by, then throws its last error. For states
 * reached in the background: a reconnect (up to ~2 s), a refresh, a relay's delivery.
 */
export async function eventually(check: () => unknown, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
