import type { OutgoingRecord } from '../events/index.js';
import { Auth0Error, RETRY_AFTER_SECONDS, unavailable } from '../errors/auth0-error.js';
import type { EventProducer } from './producer.js';

/** How long a command may take, send and read-your-writes wait together, before it answers 503. */
export const WRITE_DEADLINE_MS = 7_000;

/**
 * The event was acknowledged by Kafka (it is durable and every reader will apply it), but this
 * instance's projection did not apply it before the deadline, so the verdict is not known here.
 * Answered as 503: retrying the same command is safe for updates, deletes and rotations (they are
 * re-decided on fresh state); a create settles it itself (see the client commands).
 */
export class UnconfirmedAppendError extends Auth0Error {
  constructor(cause: unknown) {
    super(503, 'The command was recorded on the event log but is not applied yet; it will take effect. Retrying it is safe.', 'temporarily_unavailable', {
      cause,
      retryAfterSeconds: RETRY_AFTER_SECONDS,
    });
  }
}

export interface AppendTarget<A> {
  projection: { expect(eventId: string, timeoutMs: number): Promise<A>; forget(eventId: string): void };
  producer: EventProducer;
  topic: string;
}

const TIMED_OUT = Symbol('timed out');

/**
 * Appends one event and waits until the projection applied it, all before `deadlineAt` (epoch ms):
 * a broker outage answers 503 with Retry-After within the deadline, never a hang.
 * - send failed (Kafka unreachable): not recorded, 503;
 * - send still unanswered at the deadline: outcome unknown, 503 saying so;
 * - sent but not applied in time: UnconfirmedAppendError (503 unless the caller can settle it).
 */
export async function appendAndAwait<A>(target: AppendTarget<A>, record: OutgoingRecord, id: string, deadlineAt: number): Promise<A> {
  const remaining = () => deadlineAt - Date.now();
  if (remaining() <= 0) throw unavailable('The event log is slow or unavailable; the command was not attempted. Retry later.');
  const applied = target.projection.expect(id, remaining());
  let timer: NodeJS.Timeout | undefined;
  try {
    const sent = await Promise.race([
      target.producer.send(target.topic, record),
      new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), remaining()))),
    ]);
    if (sent === TIMED_OUT) {
      throw unavailable('The event log did not confirm the command in time; it may still take effect. Check the resource before retrying.');
    }
  } catch (err) {
    target.projection.forget(id);
    if (err instanceof Auth0Error) throw err;
    throw unavailable('The event log is unavailable; the command was not recorded. Retry later.', { cause: err });
  } finally {
    clearTimeout(timer);
  }
  try {
    return await applied;
  } catch (err) {
    throw new UnconfirmedAppendError(err);
  }
}

/**
 * appendAndAwait for a decided event, with the create rule in one place: when Kafka acknowledged
 * the event but the projection did not apply it in time, a command that creates a new subject
 * (`settle` given) is answered from the event itself: nothing can compete with a fresh id, so the
 * fold of that one event is what every reader will reach, and a 503 would invite a duplicate.
 */
export async function appendDecided<A>(target: AppendTarget<A>, built: { record: OutgoingRecord; id: string }, deadlineAt: number, settle?: () => A): Promise<A> {
  try {
    return await appendAndAwait(target, built.record, built.id, deadlineAt);
  } catch (err) {
    if (!(err instanceof UnconfirmedAppendError) || !settle) throw err;
    return settle();
  }
}
