import type { LogStreamState } from './fold.js';
import type { LogStreamResponse } from './schema.js';

/**
 * Auth0's stream object. Sink secrets are OMITTED, not masked: a client that reads a stream and
 * PATCHes the sink back then keeps the stored secret, where a "REDACTED" placeholder would be
 * sent back and replace it. Whoever needs the secret already has it (they set it).
 */
export function presentLogStream(state: LogStreamState): LogStreamResponse {
  return {
    id: state.id, name: state.name, type: state.type, status: state.status, isPriority: state.isPriority,
    // Auth0 leaves out what was not set: no filters means every category, so an empty list is not shown either.
    ...(state.filters.length === 0 ? {} : { filters: state.filters }),
    ...(state.pii_config === undefined ? {} : { pii_config: state.pii_config }),
    sink: state.sink,
  };
}
