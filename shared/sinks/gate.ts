/**
 * At most `limit` holders at once, the rest wait in arrival order. The sink client takes a place
 * before a request's deadline starts, so a batch queued behind others is never timed out for
 * waiting its turn, and a stream never opens more requests than it has connections.
 */
export function createGate(limit: number): <T>(work: () => Promise<T>) => Promise<T> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('a gate needs at least one place');
  let holders = 0;
  const waiting: Array<() => void> = [];
  return async (work) => {
    if (holders >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else holders++;
    try {
      return await work();
    } finally {
      // The place passes straight to the next waiter, so a newcomer cannot overtake the queue.
      const next = waiting.shift();
      if (next) next();
      else holders--;
    }
  };
}
