import { pino, type Logger, type LoggerOptions } from 'pino';

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

export function createLogger(opts: { level?: string; name?: string; destination?: pino.DestinationStream } = {}): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    base: { service: opts.name ?? 'apptrail' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
