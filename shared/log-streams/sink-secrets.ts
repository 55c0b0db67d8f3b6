import { isDeepStrictEqual } from 'node:util';
import type { SecretBox } from '../crypto/secret-box.js';
import { sinkSecretFields } from '../sinks/index.js';
import type { LogStreamType, PublicSink } from './schema.js';

/**
 * Sink credentials (HEC token, API key, Authorization header, the Sumo URL, which is itself the
 * credential) never travel in clear: the event and the state carry the other fields as they are
 * and the secret ones as ONE sealed JSON object, so a stream definition can be logged, audited
 * and shown without them.
 */
export interface SealedSink {
  sink: PublicSink;
  sink_secrets_sealed: string;
}

export function splitSink(type: LogStreamType, sink: Record<string, unknown>): { open: PublicSink; secrets: Record<string, unknown> } {
  const secretNames = new Set(sinkSecretFields[type]);
  const open: PublicSink = {};
  const secrets: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(sink)) {
    if (value === undefined) continue;
    (secretNames.has(key) ? secrets : open)[key] = value;
  }
  return { open, secrets };
}

export function sealSink(type: LogStreamType, sink: Record<string, unknown>, box: SecretBox): SealedSink {
  const { open, secrets } = splitSink(type, sink);
  return { sink: open, sink_secrets_sealed: box.seal(JSON.stringify(secrets)) };
}

/** The whole sink config again; the caller validates it against the type's schema before use. */
export function openSink(sealed: SealedSink, box: SecretBox): Record<string, unknown> {
  return { ...sealed.sink, ...(JSON.parse(box.open(sealed.sink_secrets_sealed)) as Record<string, unknown>) };
}

/**
 * Re-seals only when the secrets really changed: a fresh IV makes every seal differ, and an
 * update that did not touch the credentials must not look as if it had.
 */
export function resealIfChanged(type: LogStreamType, next: Record<string, unknown>, current: SealedSink, box: SecretBox): SealedSink {
  const { open, secrets } = splitSink(type, next);
  const before = splitSink(type, openSink(current, box)).secrets;
  return { sink: open, sink_secrets_sealed: isDeepStrictEqual(before, secrets) ? current.sink_secrets_sealed : box.seal(JSON.stringify(secrets)) };
}
