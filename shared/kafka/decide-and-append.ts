import { conflict } from '../errors/auth0-error.js';
import type { OutgoingRecord } from '../events/index.js';
import type { Logger } from '../log/index.js';
import { appendDecided, WRITE_DEADLINE_MS } from './append-and-await.js';
import type { EventProducer } from './producer.js';

/** What applying one record did, as every subject-keyed store reports it. */
export interface AppliedChange<S> {
  verdict: 'applied' | 'conflict';
  before: S | undefined;
  after: S | undefined;
}

export interface DecideAndAppendDeps<S, E, M> {
  /** The projection the decision is made on and whose application of the event answers it. */
  projection: { expect(eventId: string, timeoutMs: number): Promise<AppliedChange<S>>; forget(eventId: string): void };
  /** The subject's current state in that projection. */
  stateOf: (subject: string) => S | undefined;
  producer: EventProducer;
  topic: string;
  log: Logger;
  /** The record of a decided event, with its CloudEvents id and time. */
  toRecord: (event: E, meta: M) => { record: OutgoingRecord; id: string; time: string };
  /** The pure fold of one event onto no state: what a new subject settles to (see appendDecided). */
  foldNew: (event: E, time: string) => AppliedChange<S>;
  /** Names the subject in the 409 after too many lost races ("log stream", "resource server"). */
  noun: string;
  /** Re-decisions on fresh state after losing a race, before answering 409. */
  maxAttempts?: number;
  /** Send and read-your-writes wait of one command together; past it the answer is 503. */
  deadlineMs?: number;
}

/**
 * Decide on the projection, append with the version decided on, answer once the projection
 * applied it; a lost race is re-decided on the fresh state. Work on one subject is serialised in
 * this process, so only other processes can race it. Shared by every event-sourced resource that
 * is folded per subject (log streams, the tenant's resources).
 */
export function createSubjectDecideAndAppend<S, E, M>(deps: DecideAndAppendDeps<S, E, M>) {
  const maxAttempts = deps.maxAttempts ?? 25;
  const deadlineMs = deps.deadlineMs ?? WRITE_DEADLINE_MS;
  const lanes = new Map<string, Promise<unknown>>();

  function inLane<T>(id: string, work: () => Promise<T>): Promise<T> {
    const current = (lanes.get(id) ?? Promise.resolve()).catch(() => undefined).then(work);
    lanes.set(id, current);
    void current.finally(() => {
      if (lanes.get(id) === current) lanes.delete(id);
    }).catch(() => undefined);
    return current;
  }

  /**
   * The state after the event took effect, or the current state when the decision was "no change".
   * `settleNew`: the subject id is new (a create), so once its event is on the log its fold from
   * nothing is the state every reader reaches, and answers even if this projection lags behind.
   */
  return function decideAndAppend(
    subject: string,
    decide: (state: S | undefined) => E | undefined,
    meta: M,
    opts: { settleNew?: boolean } = {},
  ): Promise<S | undefined> {
    const deadlineAt = Date.now() + deadlineMs;
    return inLane(subject, async () => {
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const event = decide(deps.stateOf(subject));
        if (event === undefined) return deps.stateOf(subject);
        const built = deps.toRecord(event, meta);
        const result = await appendDecided(deps, built, deadlineAt, opts.settleNew ? () => deps.foldNew(event, built.time) : undefined);
        if (result.verdict === 'applied') return result.after;
        deps.log.debug({ subject, attempt }, `${deps.noun} command lost a race; re-deciding on fresh state`);
      }
      throw conflict(`The ${deps.noun} was modified concurrently ${maxAttempts} times; retry the request`);
    });
  };
}
