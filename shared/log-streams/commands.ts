import { Auth0Error, conflict } from '../errors/auth0-error.js';
import type { EventMeta } from '../clients/envelope.js';
import type { EventProducer } from '../kafka/index.js';
import type { Logger } from '../log/index.js';
import { toLogStreamEventRecord, type LogStreamEvent } from './events.js';
import type { LogStreamState } from './fold.js';
import type { LogStreamProjection } from './projection.js';

export interface AppendDeps {
  projection: LogStreamProjection;
  producer: EventProducer;
  topic: string;
  log: Logger;
  /** Re-decisions on fresh state after losing a race, before answering 409. */
  maxAttempts?: number;
  applyTimeoutMs?: number;
}

/**
 * Decide on the projection, append with the version decided on, answer once the projection
 * applied it; a lost race is re-decided on the fresh state. Work on one stream is serialised in
 * this process, so only other processes (API instances, exporters) can race it.
 */
export function createDecideAndAppend(deps: AppendDeps) {
  const maxAttempts = deps.maxAttempts ?? 25;
  const applyTimeoutMs = deps.applyTimeoutMs ?? 10_000;
  const lanes = new Map<string, Promise<unknown>>();

  function inLane<T>(id: string, work: () => Promise<T>): Promise<T> {
    const current = (lanes.get(id) ?? Promise.resolve()).catch(() => undefined).then(work);
    lanes.set(id, current);
    void current.finally(() => {
      if (lanes.get(id) === current) lanes.delete(id);
    }).catch(() => undefined);
    return current;
  }

  async function append(event: LogStreamEvent, meta: EventMeta) {
    const { record, id } = toLogStreamEventRecord(event, meta);
    const applied = deps.projection.expect(id, applyTimeoutMs);
    try {
      await deps.producer.send(deps.topic, record);
    } catch (err) {
      deps.projection.forget(id);
      applied.catch(() => undefined);
      throw new Auth0Error(503, 'The event log is unavailable; the command was not accepted. Retry later.', 'temporarily_unavailable', { cause: err });
    }
    return applied;
  }

  /** The state after the event took effect, or the current state when the decision was "no change". */
  return function decideAndAppend(
    streamId: string,
    decide: (state: LogStreamState | undefined) => LogStreamEvent | undefined,
    meta: EventMeta,
  ): Promise<LogStreamState | undefined> {
    return inLane(streamId, async () => {
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const state = deps.projection.store.get(streamId);
        const event = decide(state);
        if (event === undefined) return state;
        const result = await append(event, meta);
        if (result.verdict === 'applied') return result.after;
        deps.log.debug({ streamId, attempt, type: event.type }, 'log stream command lost a race; re-deciding on fresh state');
      }
      throw conflict(`The log stream was modified concurrently ${maxAttempts} times; retry the request`);
    });
  };
}
export type DecideAndAppend = ReturnType<typeof createDecideAndAppend>;
