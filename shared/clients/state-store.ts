import { apply, type ClientState, type Verdict } from './fold.js';
import type { ClientEventRecord } from './envelope.js';

export interface Applied {
  verdict: Verdict;
  before: ClientState | undefined;
  after: ClientState | undefined;
}

/**
 * Current state of every client, folded from clients.events with the shared `apply`. Each consumer
 * (the API's own projection, the projector) holds one; the same log gives the same map.
 * Deleted clients stay as tombstones so a late event for them is still judged a conflict.
 */
export class ClientStateStore {
  private readonly states = new Map<string, ClientState>();

  get(clientId: string): ClientState | undefined {
    return this.states.get(clientId);
  }

  /** Live (not deleted) clients in a stable order every instance agrees on: creation time, then id. */
  live(): ClientState[] {
    const out: ClientState[] = [];
    for (const s of this.states.values()) if (!s.deleted) out.push(s);
    return out.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.client_id < b.client_id ? -1 : a.client_id > b.client_id ? 1 : 0));
  }

  get size(): number {
    return this.states.size;
  }

  /** Sets a client's state as a snapshot holds it. */
  put(state: ClientState): void {
    this.states.set(state.client_id, state);
  }

  /** Forgets a client, so its partition can be folded again from a clean slate. */
  delete(clientId: string): void {
    this.states.delete(clientId);
  }

  apply(rec: ClientEventRecord): Applied {
    const before = this.states.get(rec.event.client_id);
    const { state, verdict } = apply(before, rec.event, rec.time);
    if (verdict === 'applied' && state) this.states.set(state.client_id, state);
    return { verdict, before, after: verdict === 'applied' ? state : before };
  }
}
