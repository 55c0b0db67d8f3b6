import { pino, type Logger, type LoggerOptions } from 'pino';
import { PinoPretty } from 'pino-pretty';

/**
 * Paths whose values are secrets wherever they appear in a log object: request bodies, headers,
 * client records, sink definitions. pino's redaction is path based, so each shape we log is listed.
 */
export const REDACT_PATHS = [
  'client_secret',
  '*.client_secret',
  '*.*.client_secret',
  'client_secret_sealed',
  '*.client_secret_sealed',
  '*.*.client_secret_sealed',
  'encryption_key',
  '*.encryption_key',
  'signing_keys',
  '*.signing_keys',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'token',
  '*.token',
  'password',
  '*.password',
  '*.sink.splunkToken',
  '*.sink.datadogApiKey',
  '*.sink.httpAuthorization',
  '*.sink.sumoSourceAddress',
  'sink.splunkToken',
  'sink.datadogApiKey',
  'sink.httpAuthorization',
  'sink.sumoSourceAddress',
];

export type { Logger };

/**
 * JSON lines for machines; on a terminal (and only there, unless `pretty` says otherwise) the same
 * records through pino-pretty. Redaction happens before either, so both show the same censored values.
 */
export function createLogger(opts: { level?: string; name?: string; destination?: pino.DestinationStream; pretty?: boolean } = {}): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    base: { service: opts.name ?? 'apptrail' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (opts.destination) return pino(options, opts.destination);
  // sync: a worker-thread transport would lose the last lines of a process that exits at once.
  const pretty = opts.pretty ?? process.stdout.isTTY === true;
  return pretty ? pino(options, PinoPretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' })) : pino(options);
}
