import { PoisonRecordError, UnsupportedEventError } from '../events/index.js';

/**
 * What a handler's failure says about the records it was given:
 * - `transient`: a dependency (broker, ClickHouse, a sink) is down, slow or busy; the same
 *   records will succeed later, so they are retried for as long as it takes.
 * - `deterministic`: these records fail this way whatever is retried (unparsable data, a value
 *   ClickHouse refuses, a stack overflow); the batch is split down to the offending record.
 * - `halt`: a record this build must not skip (a newer schema version): the partition stops.
 * - `unknown`: neither is known; retried, and treated as deterministic once the same records
 *   have failed the same way several times in a row.
 */
export type FailureClass = 'transient' | 'deterministic' | 'halt' | 'unknown';

// Node and undici network failures: the other side is unreachable or went away.
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED',
]);

// Kafka protocol errors caused by the records themselves.
const KAFKA_RECORD_ERRORS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TIMESTAMP']);

// ClickHouse error names (the `type` of a server or chDB error) that depend on the data sent.
const CLICKHOUSE_DATA_ERROR = /^(CANNOT_PARSE|CANNOT_READ|CANNOT_CONVERT|CANNOT_INSERT_NULL|INCORRECT_|ILLEGAL_|TYPE_MISMATCH|TOO_LARGE|TOO_DEEP|VALUE_IS_OUT_OF_RANGE|ARGUMENT_OUT_OF_BOUND|BAD_ARGUMENTS|SIZES_OF_|UNKNOWN_IDENTIFIER|NUMBER_OF_COLUMNS_DOESNT_MATCH|DUPLICATE_COLUMN|CANNOT_PARSE_ESCAPE_SEQUENCE)/;
// …and those that say the server is busy, restarting or unreachable.
const CLICKHOUSE_UNAVAILABLE = /^(TIMEOUT|SOCKET_TIMEOUT|NETWORK_ERROR|MEMORY_LIMIT|TOO_MANY_|TABLE_IS_READ_ONLY|READONLY|KEEPER|ALL_CONNECTION_TRIES_FAILED|UNKNOWN_STATUS_OF_INSERT|NO_ZOOKEEPER|QUERY_WAS_CANCELLED|ABORTED|CANNOT_SCHEDULE_TASK|SERVER_OVERLOADED)/;

/**
 * Thrown by a handler that wants its records retried as they are, never split or dead-lettered:
 * it gave up waiting (for a stream to be suspended, for a stop), not on a record.
 */
export class RetryBatchError extends Error {
  override name = 'RetryBatchError';
}

function errorChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = err; e !== undefined && e !== null && chain.length < 8; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

function classifyOne(err: unknown): FailureClass {
  if (err instanceof UnsupportedEventError) return 'halt';
  if (err instanceof RetryBatchError) return 'transient';
  if (err instanceof PoisonRecordError || err instanceof RangeError || err instanceof SyntaxError) return 'deterministic';
  if (typeof err !== 'object' || err === null) return 'unknown';
  const e = err as { name?: unknown; message?: unknown; code?: unknown; type?: unknown; retriable?: unknown };
  // A broker error is about the broker (down, fenced producer, moved leader), except the few
  // protocol errors that refuse what was sent.
  if (typeof e.name === 'string' && e.name.startsWith('KafkaJS')) {
    return typeof e.type === 'string' && KAFKA_RECORD_ERRORS.has(e.type) ? 'deterministic' : 'transient';
  }
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return 'transient';
  // @clickhouse/client's own request timeout (a server that accepts the connection and never
  // answers) is a bare Error with exactly this message.
  if (e.message === 'Timeout error.') return 'transient';
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return 'transient';
  if (typeof e.type === 'string') {
    if (CLICKHOUSE_DATA_ERROR.test(e.type)) return 'deterministic';
    if (CLICKHOUSE_UNAVAILABLE.test(e.type)) return 'transient';
  }
  if (e.name === 'ZodError') return 'deterministic';
  return 'unknown';
}

/** The first definite verdict along the error's cause chain (a wrapped network error is transient). */
export function classifyFailure(err: unknown): FailureClass {
  for (const e of errorChain(err)) {
    const c = classifyOne(e);
    if (c !== 'unknown') return c;
  }
  return 'unknown';
}

/** String() that cannot throw: a handler may throw anything, even an object with no prototype. */
function text(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** What makes two failures "the same": class name and message, without numbers that drift (offsets, timings). */
export function failureSignature(err: unknown): string {
  return describeFailure(err).replace(/\d+/g, '#').slice(0, 300);
}

/** The error as a reader wants it in a log line or readiness answer. */
export function describeFailure(err: unknown): string {
  const e = typeof err === 'object' && err !== null ? (err as { name?: unknown; message?: unknown }) : undefined;
  return `${text(e?.name ?? typeof err)}: ${text(e?.message ?? err)}`.slice(0, 500);
}
