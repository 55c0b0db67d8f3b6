import { datadogSink } from './datadog.js';
import { httpSink } from './http.js';
import { splunkSink } from './splunk.js';
import { sumoSink } from './sumo.js';
import type { SinkType } from './types.js';

export * from './types.js';
export { streamContext } from './context.js';
export { endpointProblem, isLoopbackHost, type EndpointPolicy } from './endpoint.js';
export { chunk } from './batch.js';
export { batchKey, elementOf, encodeBatch, planBatches, planEncoded, IDEMPOTENCY_HEADER, type PlannedBatch } from './encode.js';
export { classifyStatus, parseRetryAfter, RESPONSE_BODY_LIMIT } from './classify.js';
export { nextDelay, defaultRetryPolicy, type RetryPolicy, type RetryOutcome } from './retry.js';
export { deliver, sendBatch, createSinkClient, redactionFor, DEFAULT_TIMEOUT_MS, type DeliverOptions, type Redaction, type SinkClient, type SinkClientOptions } from './deliver.js';
export { authorizationParts, credentialForms, credentialRedactor, REDACTED_CREDENTIAL, type Redact } from './redact.js';
export { httpSink, httpSinkSchema, httpContentFormats, type HttpSinkConfig } from './http.js';
export { splunkSink, splunkSinkSchema, splunkChannel, type SplunkSinkConfig } from './splunk.js';
export { sumoSink, sumoSinkSchema, type SumoSinkConfig } from './sumo.js';
export { datadogSink, datadogSinkSchema, datadogIntakeOrigins, type DatadogSinkConfig } from './datadog.js';

/** The sink types apptrail can deliver to, by Auth0 stream `type`. */
export const sinks = { http: httpSink, splunk: splunkSink, sumo: sumoSink, datadog: datadogSink } as const;

/** Sink fields whose change requires the secret fields again (see SinkDefinition.destinationFields). */
export const sinkDestinationFields: { readonly [T in SinkType]: readonly string[] } = {
  http: httpSink.destinationFields,
  splunk: splunkSink.destinationFields,
  sumo: sumoSink.destinationFields,
  datadog: datadogSink.destinationFields,
};

/** Sink fields an API response or a log line must mask, by stream type. */
export const sinkSecretFields: { readonly [T in SinkType]: readonly string[] } = {
  http: httpSink.secretFields,
  splunk: splunkSink.secretFields,
  sumo: sumoSink.secretFields,
  datadog: datadogSink.secretFields,
};
