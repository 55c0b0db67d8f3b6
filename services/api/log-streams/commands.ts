import type { EventMeta } from '../../../shared/clients/envelope.js';
import type { SecretBox } from '../../../shared/crypto/secret-box.js';
import { conflict } from '../../../shared/errors/auth0-error.js';
import {
  decideCreate, decideDelete, decideUpdate, generateLogStreamId, streamNotFound,
  type DecideAndAppend, type LogStreamCreate, type LogStreamState, type LogStreamStore, type LogStreamUpdate,
} from '../../../shared/log-streams/index.js';
import type { EndpointPolicy } from '../../../shared/sinks/index.js';

export interface LogStreamCommandDeps {
  decideAndAppend: DecideAndAppend;
  store: LogStreamStore;
  box: SecretBox;
  policy: EndpointPolicy;
  /** Each stream is a consumer group and a connection pool in every exporter; Auth0 caps them too (409). */
  maxStreams: number;
}

export function createLogStreamCommands(deps: LogStreamCommandDeps) {
  const { decideAndAppend, box, policy } = deps;
  return {
    async create(input: LogStreamCreate, meta: EventMeta): Promise<LogStreamState> {
      // A soft cap: two instances creating at once may pass it together, which costs one stream too many, not data.
      if (deps.store.live().length >= deps.maxStreams) throw conflict(`You have reached the maximum number of log streams (${deps.maxStreams}) for your account`, 'log_stream_limit_reached');
      const id = generateLogStreamId();
      const state = await decideAndAppend(id, () => decideCreate(input, { id, box, now: new Date() }), meta, { settleNew: true });
      return state!;
    },
    async update(id: string, patch: LogStreamUpdate, meta: EventMeta): Promise<LogStreamState> {
      const state = await decideAndAppend(id, (current) => decideUpdate(current, patch, { box, policy }), meta);
      if (!state || state.deleted) throw streamNotFound();
      return state;
    },
    async remove(id: string, meta: EventMeta): Promise<void> {
      await decideAndAppend(id, (current) => decideDelete(current), meta);
    },
  };
}
export type LogStreamCommands = ReturnType<typeof createLogStreamCommands>;
