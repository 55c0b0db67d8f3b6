/**
 * Writes held aside from a map until `commit()`: a fold over a batch stages its new states here
 * and publishes them only once the batch's effects are durable, so a failed attempt leaves the
 * base exactly as it was and a retry folds the same records onto the same states.
 */
export class StagedMap<K, V> {
  private readonly writes = new Map<K, V>();

  constructor(private readonly base: Map<K, V>) {}

  get(key: K): V | undefined {
    return this.writes.has(key) ? this.writes.get(key) : this.base.get(key);
  }

  set(key: K, value: V): void {
    this.writes.set(key, value);
  }

  keys(): IterableIterator<K> {
    return this.writes.keys();
  }

  commit(): void {
    for (const [k, v] of this.writes) this.base.set(k, v);
    this.writes.clear();
  }
}
