/**
 * A record that can never be processed, whatever is retried: it goes to the dead-letter topic and
 * the partition moves on. Everything else a handler throws is treated as retriable.
 */
export class PoisonRecordError extends Error {
  override name = 'PoisonRecordError';
  readonly retriable = false;
}
