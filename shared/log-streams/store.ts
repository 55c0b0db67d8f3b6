import { apply, type LogStreamState, type Verdict } from './fold.js';
import type { LogStreamEventRecord } from './events.js';

export interface Applied {
  verdict: Verdict;
  before: LogStreamState | undefined;
  after: LogStreamState | undefined;
}

/** Every stream folded from log-streams.events; deleted ones stay as tombstones so late events still conflict. */
export class LogStreamStore {
  private readonly states = new Map<string, LogStreamState>();

  get(id: string): LogStreamState | undefined {
    return this.states.get(id);
  }

  /** Live streams in creation order (then id), the order every instance agrees on. */
  live(): LogStreamState[] {
    return [...this.states.values()]
      .filter((s) => !s.deleted)
      .sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Forgets a stream, so its partition can be folded again from a clean slate. */
  delete(id: string): void {
    this.states.delete(id);
  }

  apply(rec: LogStreamEventRecord): Applied {
    const before = this.states.get(rec.event.stream_id);
    const { state, verdict } = apply(before, rec.event, rec.time);
    if (verdict === 'applied' && state) this.states.set(state.id, state);
    return { verdict, before, after: verdict === 'applied' ? state : before };
  }
}
