/**
 * `fn` over `items` with at most `concurrency` calls in flight; results in the order of `items`,
 * so a report can stream rows in a stable order while reading in parallel.
 */
export async function mapInOrder<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/**
 * Pages from `fetch`, reading the next page while the caller works on the current one.
 * `fetch(undefined)` is the first page; a page's `nextCursor` null ends the walk.
 */
export async function* readAhead<P extends { nextCursor: string | null }>(
  fetch: (cursor?: string) => Promise<P>,
): AsyncGenerator<P> {
  let page = await fetch();
  for (;;) {
    const next = page.nextCursor ? fetch(page.nextCursor) : undefined;
    // The consumer may stop early (client went away); an abandoned read must not go unhandled.
    next?.catch(() => undefined);
    yield page;
    if (!next) return;
    page = await next;
  }
}
