import type { EventMeta } from '../clients/envelope.js';
import { createSubjectDecideAndAppend, type EventProducer } from '../kafka/index.js';
import type { Logger } from '../log/index.js';
import { toLogStreamEventRecord, type LogStreamEvent } from './events.js';
import { apply, type LogStreamState } from './fold.js';
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

/** The generic per-subject decide-and-append (shared/kafka/decide-and-append.ts) over log-streams.events. */
export function createDecideAndAppend(deps: AppendDeps) {
  return createSubjectDecideAndAppend<LogStreamState, LogStreamEvent, EventMeta>({
    ...deps,
    stateOf: (id) => deps.projection.store.get(id),
    toRecord: toLogStreamEventRecord,
    foldNew: (event, time) => {
      const folded = apply(undefined, event, time);
      return { verdict: folded.verdict, before: undefined, after: folded.state };
    },
    noun: 'log stream',
  });
}
export type DecideAndAppend = ReturnType<typeof createDecideAndAppend>;
