import type { Logger } from '../log/index.js';

/** Error codes of a dependency that went away (a broker, ClickHouse or a sink), not of our code. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

/** True for errors raised by a dependency being unreachable: kafkajs errors and socket errors. */
export function isDependencyFault(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name.startsWith('KafkaJS')) return true;
  const code = (err as NodeJS.ErrnoException).code;
  return code !== undefined && NETWORK_CODES.has(code);
}

/**
 * The last line of defence of a long-running process (invariant 9: it survives any dependency
 * outage). Every wait is meant to be awaited or caught where it is made; what escapes anyway is a
 * bug, logged at error with its stack so it gets fixed, but:
 * - an unhandled rejection leaves no state half-changed (nobody was waiting for it): survive;
 * - an uncaught exception from a dependency fault (a kafkajs or socket error thrown from a
 *   callback) is survivable for the same reason: the clients reconnect by themselves;
 * - any other uncaught exception may have left state half-updated: shut down cleanly and exit 1,
 *   so a supervisor restarts a process in a known state.
 */
export function installFaultGuard(log: Logger, onFatal: (err: unknown) => Promise<void>): void {
  process.on('unhandledRejection', (reason) => {
    log.error({ err: reason }, 'unhandled promise rejection (a bug: this promise should have been awaited or caught); the process keeps running');
  });
  process.on('uncaughtException', (err, origin) => {
    if (isDependencyFault(err)) {
      log.error({ err, origin }, 'uncaught dependency error (a bug: it should have been caught where it arose); the process keeps running');
      return;
    }
    log.fatal({ err, origin }, 'uncaught exception; shutting down');
    void onFatal(err).finally(() => process.exit(1));
  });
}
