import type { AppliedChange } from '../kafka/decide-and-append.js';
import type { TenantEventRecord } from './events.js';
import { apply, type StateOf, type TenantKind, type TenantResourceState } from './fold.js';

export type Applied = AppliedChange<TenantResourceState>;

/** Every tenant resource folded from tenant.events; deleted ones stay as tombstones so late events still conflict. */
export class TenantStore {
  private readonly states = new Map<string, TenantResourceState>();

  get(id: string): TenantResourceState | undefined {
    return this.states.get(id);
  }

  /** The live resource of that kind with that id. */
  liveOf<K extends TenantKind>(kind: K, id: string): StateOf<K> | undefined {
    const s = this.states.get(id);
    return s && !s.deleted && s.kind === kind ? (s as StateOf<K>) : undefined;
  }

  /** Live resources of a kind in creation order (then id), the order every instance agrees on. */
  live<K extends TenantKind>(kind: K): Array<StateOf<K>> {
    const out: Array<StateOf<K>> = [];
    for (const s of this.states.values()) if (!s.deleted && s.kind === kind) out.push(s as StateOf<K>);
    return out.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  all(): IterableIterator<TenantResourceState> {
    return this.states.values();
  }

  put(state: TenantResourceState): void {
    this.states.set(state.id, state);
  }

  delete(id: string): void {
    this.states.delete(id);
  }

  apply(rec: TenantEventRecord): Applied {
    const before = this.states.get(rec.event.subject);
    const { state, verdict } = apply(before, rec.event, rec.time);
    if (verdict === 'applied' && state) this.states.set(state.id, state);
    return { verdict, before, after: verdict === 'applied' ? state : before };
  }
}
