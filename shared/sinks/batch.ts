import type { Frame, SinkLimits } from './types.js';

const BARE: Frame = { open: '', separator: '', close: '' };

/**
 * Splits `items` into consecutive groups that each fit `limits` once framed, keeping order.
 * An item too big for any request still goes out, alone: the receiver is the judge (Splunk
 * Enterprise takes far more than our 1 MB target; a refusal comes back as a 413 reject that
 * dead-letters one entry instead of stalling the stream or dropping data here).
 */
export function chunk<T>(items: readonly T[], limits: SinkLimits, sizeOf: (item: T) => number, frame: Frame = BARE): T[][] {
  if (limits.maxEntries < 1 || limits.maxBytes < 1) throw new RangeError('sink limits must be positive');
  const fixed = Buffer.byteLength(frame.open) + Buffer.byteLength(frame.close);
  const separator = Buffer.byteLength(frame.separator);
  const groups: T[][] = [];
  let current: T[] = [];
  let bytes = fixed;
  for (const item of items) {
    const size = sizeOf(item);
    const added = current.length === 0 ? size : size + separator;
    if (current.length > 0 && (current.length >= limits.maxEntries || bytes + added > limits.maxBytes)) {
      groups.push(current);
      current = [];
      bytes = fixed;
    }
    bytes += current.length === 0 ? size : size + separator;
    current.push(item);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
