import { hostname } from 'node:os';
import type { StreamContext } from './types.js';

/**
 * Defaults follow what Auth0's own streams send (source and service `auth0`), so dashboards and
 * pipelines built for Auth0 streams (the Auth0 Splunk app, Datadog's Auth0 integration) pick up
 * our entries unchanged. Pass `source: 'apptrail'` to tell them apart instead.
 */
export function streamContext(input: Partial<StreamContext> & { streamId: string }): StreamContext {
  return {
    host: hostname(),
    source: 'auth0',
    service: 'auth0',
    // Splunk's built-in JSON source type: fields are extracted at search time without any add-on.
    sourcetype: '_json',
    tags: [],
    allowInsecureLoopback: false,
    ...input,
  };
}
