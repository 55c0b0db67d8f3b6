import type { z } from 'zod';

/**
 * The minimum the sinks rely on. The real audit-entry schema lives elsewhere; anything with these
 * three fields can be shipped, and every other field travels untouched.
 */
export type AuditEntry = { log_id: string; date: string; type: string; [k: string]: unknown };

export type SinkType = 'http' | 'splunk' | 'sumo' | 'datadog';

/** What one request may carry. Bytes are measured on the uncompressed body, as every vendor documents them. */
export interface SinkLimits {
  maxEntries: number;
  maxBytes: number;
}

/** How encoded elements are joined into one body: `open + e1 + separator + e2 … + close`. */
export interface Frame {
  open: string;
  separator: string;
  close: string;
}

/** Who is sending, for fields the sinks want beside the entry itself. One per log stream. */
export interface StreamContext {
  /** Auth0-style stream id (`lst_…`); seeds the Splunk channel and the idempotency key, so both survive restarts. */
  streamId: string;
  /** Splunk `host`, Datadog `hostname`, `X-Sumo-Host`. */
  host: string;
  /** Splunk `source`, Datadog `ddsource`, `X-Sumo-Name`. */
  source: string;
  /** Datadog `service`. */
  service: string;
  /** Splunk `sourcetype`. */
  sourcetype: string;
  /** `X-Sumo-Category`; unset leaves the category configured on the Sumo source in charge. */
  category?: string;
  /** Extra Datadog tags (`k:v`), after `stream:<streamId>`. */
  tags: readonly string[];
  /** Lets tests use plain http on 127.0.0.1/localhost; production streams must stay on https. */
  allowInsecureLoopback: boolean;
  /** Replaces the Datadog intake origin derived from the region, for a local receiver. */
  datadogIntakeUrl?: string;
  /**
   * What the stream delivers of an entry (its PII obfuscation, see log-streams/pii.ts), applied
   * wherever an entry is encoded; log_id, date and type must come out unchanged.
   */
  prepareEntry?: (entry: AuditEntry) => AuditEntry;
}

/** Where and how a batch goes, independent of its entries. */
export interface SinkTarget {
  url: URL;
  headers: Record<string, string>;
  gzip: boolean;
  /** false only for a Splunk sink with `splunkSecure: false` (self-signed HEC certificates). */
  verifyTls: boolean;
}

export interface EncodedBatch {
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
  /** Uncompressed size, the one the limits speak about. */
  rawBytes: number;
  /** Stable across retries of the same batch: sha256 over the stream id and the log_ids. */
  idempotencyKey: string;
  logIds: string[];
}

export type DeliveryOutcome =
  /** `status` is absent when there was nothing to send. */
  | { kind: 'ok'; status?: number }
  | { kind: 'retry'; status?: number; retryAfterMs?: number; reason: string }
  | {
      kind: 'reject';
      status: number;
      responseBody: string;
      reason: string;
      /**
       * 'batch': this body will never be accepted (400, 413, 422…): dead-letter it and move on.
       * 'sink': the endpoint or its credentials are wrong (401, 403, 404, 3xx…): every batch
       * would fail the same way, so the caller should suspend the stream rather than dead-letter
       * the whole topic.
       */
      scope: 'batch' | 'sink';
    };

export interface SinkDefinition<C> {
  readonly type: SinkType;
  /** Auth0 field names; `allowInsecureLoopback` admits http://127.0.0.1 or localhost endpoints. */
  schema(opts?: { allowInsecureLoopback?: boolean }): z.ZodType<C>;
  /** Fields an API must never echo or log. */
  readonly secretFields: readonly (keyof C & string)[];
  /**
   * Fields that decide where, or how safely, the credentials are sent. Changing one requires the
   * secret fields again in the same update, so a credential never follows a stream somewhere new.
   */
  readonly destinationFields: readonly (keyof C & string)[];
  /** The secret strings this config sends, each as a sink could quote it back (see redact.ts). */
  credentials(config: C): string[];
  limits(config: C): SinkLimits;
  frame(config: C): Frame;
  /** One entry as it appears in the body, without separators. */
  element(entry: AuditEntry, config: C, ctx: StreamContext): string;
  target(config: C, ctx: StreamContext): SinkTarget;
  /** Vendor-specific reading of a response; undefined falls back to the status-code rules. */
  classify?(status: number, body: string): DeliveryOutcome | undefined;
}
