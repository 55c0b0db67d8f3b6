import type { LogStreamState } from './fold.js';
import type { LogStreamResponse } from './schema.js';

/**
 * Auth0's stream object. Sink secrets are OMITTED, not masked: a client that reads a stream and
 * PATCHes the sink back then keeps the stored secret, where a "REDACTED" placeholder would be
 * sent back and replace it. Whoever needs the secret already has it (they set it).
 */
export function presentLogStream(state: LogStreamState): LogStreamResponse {
  return { id: state.id, name: state.name, type: state.type, status: state.status, isPriority: state.isPriority, filters: state.filters, sink: state.sink };
}
