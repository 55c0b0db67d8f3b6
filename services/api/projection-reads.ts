import type { FastifyReply } from 'fastify';
import { ProjectionTimeoutError } from '../../shared/kafka/index.js';
import { unavailable } from '../../shared/errors/auth0-error.js';

/**
 * Set on a read answered from this instance's projection without confirming it holds every write
 * acknowledged so far (Kafka did not say within READ_WAIT_MS, e.g. during a broker outage). The
 * value is the whole number of seconds since the projection was last confirmed complete.
 */
export const STALE_HEADER = 'x-apptrail-stale';

/** How long a read waits for its projection to catch up before answering from what it holds. */
export const READ_WAIT_MS = 1_000;

interface Projection {
  catchUp(timeoutMs: number): Promise<void>;
  staleSeconds(): number;
  hasBeenComplete(): boolean;
}

/**
 * Read-your-writes when Kafka answers; otherwise the projection as it stands, flagged stale (never
 * a 5xx). A projection still loading at start-up holds only part of the state (a client it has
 * not reached would read as 404), so it answers 503 with Retry-After instead.
 */
export async function catchUpOrFlagStale(projection: Projection, reply: FastifyReply, waitMs = READ_WAIT_MS): Promise<void> {
  const stale = await catchUpOrStale(projection, waitMs);
  if (stale !== undefined) void reply.header(STALE_HEADER, String(stale));
}

/**
 * Catches the projection up; when Kafka does not say within `waitMs` it answers from what the
 * projection holds and returns how stale that is in seconds (undefined when caught up). A
 * projection that never held the whole topic (start-up) cannot answer: 503.
 */
export async function catchUpOrStale(projection: Projection, waitMs = READ_WAIT_MS): Promise<number | undefined> {
  try {
    await projection.catchUp(waitMs);
    return undefined;
  } catch (err) {
    if (!(err instanceof ProjectionTimeoutError) && !isKafkaError(err)) throw err;
    if (!projection.hasBeenComplete()) throw unavailable('This instance is still loading its state from the event log. Retry shortly.', { cause: err });
    return projection.staleSeconds();
  }
}

/** For commands, which must decide on complete state: 503 with Retry-After when it cannot be confirmed. */
export async function catchUpOrUnavailable(projection: Projection, waitMs = READ_WAIT_MS): Promise<void> {
  try {
    await projection.catchUp(waitMs);
  } catch (err) {
    if (!(err instanceof ProjectionTimeoutError) && !isKafkaError(err)) throw err;
    throw unavailable('The event log is unavailable; the command was not attempted. Retry later.', { cause: err });
  }
}

/** kafkajs errors (connection refused, retries exhausted, …) all carry a KafkaJS name. */
function isKafkaError(err: unknown): boolean {
  return err instanceof Error && err.name.startsWith('KafkaJS');
}
