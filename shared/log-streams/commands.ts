import { conflict } from '../errors/auth0-error.js';
import type { EventMeta } from '../clients/envelope.js';
import { appendDecided, WRITE_DEADLINE_MS, type EventProducer } from '../kafka/index.js';
import type { Logger } from '../log/index.js';
import { toLogStreamEventRecord, type LogStreamEvent } from './events.js';
import { apply, type LogStreamState } from './fold.js';
import type { Applied } from './store.js';
import type { LogStreamProjection } from './projection.js';

export interface AppendDeps {
  projection: LogStreamProjection;
  producer: EventProducer;
  topic: string;
  log: Logger;
  /** Re-decisions on fresh state after losing a race, before answering 409. */
  maxAttempts?: number;
  /** Send and read-your-writes wait of one command together; past it the answer is 503. */
  deadlineMs?: number;
}

/**
 * Decide on the projection, append with the version decided on, answer once the projection
 * applied it; a lost race is re-decided on the fresh state. Work on one stream is serialised in
 * this process, so only other processes (API instances, exporters) can race it.
 */
export function createDecideAndAppend(deps: AppendDeps) {
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
   * `settleNew`: the stream id is new (a create), so once its event is on the log its fold from
   * nothing is the state every reader reaches, and answers even if this projection lags behind.
   */
  return function decideAndAppend(
    streamId: string,
    decide: (state: LogStreamState | undefined) => LogStreamEvent | undefined,
    meta: EventMeta,
    opts: { settleNew?: boolean } = {},
  ): Promise<LogStreamState | undefined> {
    const deadlineAt = Date.now() + deadlineMs;
    return inLane(streamId, async () => {
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const state = deps.projection.store.get(streamId);
        const event = decide(state);
        if (event === undefined) return state;
        const built = toLogStreamEventRecord(event, meta);
        const result: Applied = await appendDecided(deps, built, deadlineAt, opts.settleNew ? () => {
          const folded = apply(undefined, event, built.time);
          return { verdict: folded.verdict, before: undefined, after: folded.state };
        } : undefined);
        if (result.verdict === 'applied') return result.after;
        deps.log.debug({ streamId, attempt, type: event.type }, 'log stream command lost a race; re-deciding on fresh state');
      }
      throw conflict(`The log stream was modified concurrently ${maxAttempts} times; retry the request`);
    });
  };
}
export type DecideAndAppend = ReturnType<typeof createDecideAndAppend>;
