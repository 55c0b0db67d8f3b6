// Auth0's own Node SDK (auth0 7.1.0, pinned) drives apptrail's /api/v2/log-streams over HTTPS.
// Expected answers follow Auth0's recorded ones (auth0/go-auth0 test/data/recordings/TestLogStream*,
// before v2): pii_config echoed, no `filters` key when none were given, the 404 message, a second
// DELETE answered 204. Where apptrail differs on purpose, the assertion says so ("differs on purpose: …").
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManagementClient, type Management } from 'auth0';
import type { LogStreamResponse, PiiConfig } from '../../shared/log-streams/index.js';
import { useKafka } from '../helpers/kafka.js';
import { newDataDir } from '../helpers/api.js';
import { refusal, startHttpsApi } from '../helpers/https-api.js';
import { trustingFetch } from '../helpers/tls.js';

// ---- Compile-time: apptrail's pii_config and stream object against the SDK's types ----

type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const piiAgrees: Equal<PiiConfig, Management.LogStreamPiiConfig> = true;
type Sdk = Management.LogStreamSumoResponseSchema;
/** The stream's own fields have the SDK's types; the sink is the named difference (secrets omitted, see below). */
const fieldsFit: Pick<LogStreamResponse, 'id' | 'name' | 'status' | 'isPriority' | 'filters' | 'pii_config'> extends Pick<Sdk, 'id' | 'name' | 'status' | 'isPriority' | 'filters' | 'pii_config'> ? true : false = true;
/** differs on purpose: the SDK's sink types require the secret fields (sumoSourceAddress, …), which apptrail never answers. */
const sinkDiffers: LogStreamResponse['sink'] extends NonNullable<Sdk['sink']> ? false : true = true;
void piiAgrees;
void fieldsFit;
void sinkDiffers;

// ---- Run time ----

describe('auth0 SDK 7.1.0 → apptrail log streams over HTTPS', () => {
  it("create, list, get, update, delete answer as Auth0's recordings do, sink secrets aside", async (t) => {
    const k = await useKafka(t);
    const api = await startHttpsApi(t, k, { dataDir: await newDataDir(t), logStreams: true });
    const mgmt = new ManagementClient({ domain: api.domain, token: await api.token(), fetch: trustingFetch(t, api.caPem), maxRetries: 0 });

    // go-auth0's HTTP create body, typed by the SDK's own request type.
    const pii: Management.LogStreamPiiConfig = { log_fields: ['first_name'], method: 'mask', algorithm: 'xxhash' };
    const httpBody: Management.CreateLogStreamHttpRequestBody = {
      name: 'Test-LogStream-http', type: 'http', isPriority: false, pii_config: pii,
      sink: { httpContentFormat: 'JSONLINES', httpContentType: 'application/json', httpEndpoint: 'https://example.com/logs', httpAuthorization: 'Bearer f2368bbe77074527a37be2fdd5b92bad' },
    };
    const http = await mgmt.logStreams.create(httpBody);
    assert.match(http.id ?? '', /^lst_[0-9]{16}$/);
    assert.deepEqual({ ...http, id: undefined }, {
      id: undefined, name: 'Test-LogStream-http', type: 'http', status: 'active', isPriority: false, pii_config: pii,
      // differs on purpose: sink secrets are never echoed (Auth0 answers httpAuthorization as given).
      sink: { httpContentFormat: 'JSONLINES', httpContentType: 'application/json', httpEndpoint: 'https://example.com/logs' },
    });
    assert.equal('filters' in http, false, 'no filters given: no filters key, as Auth0 answers');

    // Auth0 takes any https URL as a Sumo source (its recording uses https://example.com).
    const sumoBody: Management.CreateLogStreamSumoRequestBody = { name: 'Test-LogStream-sumo', type: 'sumo', isPriority: false, sink: { sumoSourceAddress: 'https://example.com' } };
    const sumo = await mgmt.logStreams.create(sumoBody);
    assert.equal(sumo.type, 'sumo');
    // differs on purpose: the source URL is the credential (whoever has it can write to the source), so it is not echoed.
    assert.deepEqual(sumo.sink, {});
    assert.equal('pii_config' in sumo, false, 'none given, none shown');

    const datadog = await mgmt.logStreams.create({
      name: 'Test-LogStream-datadog', type: 'datadog', isPriority: false, pii_config: { log_fields: ['email', 'phone'], method: 'hash', algorithm: 'xxhash' },
      filters: [{ type: 'category', name: 'management.success' }], sink: { datadogRegion: 'us', datadogApiKey: '121233123455' },
    });
    assert.deepEqual(datadog.filters, [{ type: 'category', name: 'management.success' }]);
    // differs on purpose: datadogApiKey is not echoed.
    assert.deepEqual(datadog.sink, { datadogRegion: 'us' });

    const splunk = await mgmt.logStreams.create({
      name: 'Test-LogStream-splunk', type: 'splunk', sink: { splunkDomain: 'demo.splunk.com', splunkToken: '12a34ab5-c6d7-8901-23ef-456b7c89d0c1', splunkPort: '8080', splunkSecure: true },
    });
    // differs on purpose: splunkToken is not echoed.
    assert.deepEqual(splunk.sink, { splunkDomain: 'demo.splunk.com', splunkPort: '8080', splunkSecure: true });

    const listed = await mgmt.logStreams.list();
    assert.deepEqual(new Set(listed.map((s) => s.id)), new Set([http.id, sumo.id, datadog.id, splunk.id]));
    for (const s of [http, sumo, datadog, splunk]) assert.deepEqual(await mgmt.logStreams.get(s.id!), s);

    // go-auth0's update: filters and a new pii_config, both echoed by the PATCH and by a read.
    const updated = await mgmt.logStreams.update(http.id!, { filters: [{ name: 'auth.login.fail', type: 'category' }], pii_config: { log_fields: ['last_name'], method: 'hash', algorithm: 'xxhash' } });
    assert.deepEqual(updated.filters, [{ type: 'category', name: 'auth.login.fail' }]);
    assert.deepEqual(updated.pii_config, { log_fields: ['last_name'], method: 'hash', algorithm: 'xxhash' });
    assert.deepEqual(await mgmt.logStreams.get(http.id!), updated);
    // Patching the sink back as read (without its secret) keeps the stored one: the reason secrets are omitted, not masked.
    const renamed = await mgmt.logStreams.update(http.id!, { name: 'renamed', sink: { httpEndpoint: 'https://example.com/logs', httpContentFormat: 'JSONARRAY' } });
    assert.equal(renamed.name, 'renamed');
    assert.deepEqual(renamed.sink, { httpContentFormat: 'JSONARRAY', httpContentType: 'application/json', httpEndpoint: 'https://example.com/logs' });

    // Validation as Auth0 describes it: log_fields from its list, https endpoints.
    const badPii = await refusal(mgmt.logStreams.update(http.id!, { pii_config: { log_fields: ['ssn' as Management.LogStreamPiiLogFieldsEnum] } }));
    assert.equal(badPii.statusCode, 400);
    const plainSumo = await refusal(mgmt.logStreams.create({ type: 'sumo', sink: { sumoSourceAddress: 'http://example.com/receiver/v1/http/abc' } }));
    assert.equal(plainSumo.statusCode, 400);

    // Delete, then Auth0's 404 message word for word, then a second delete: 204 again.
    await mgmt.logStreams.delete(sumo.id!);
    const gone = await refusal(mgmt.logStreams.get(sumo.id!));
    assert.equal(gone.statusCode, 404);
    // differs on purpose: apptrail always sends an errorCode so clients can branch on it; Auth0's recorded 404 has none.
    assert.deepEqual(gone.body, { statusCode: 404, error: 'Not Found', message: 'The log stream does not exist.', errorCode: 'inexistent_log_stream' });
    await mgmt.logStreams.delete(sumo.id!);
    assert.equal((await refusal(mgmt.logStreams.update(sumo.id!, { name: 'x' }))).statusCode, 404);
    assert.equal((await mgmt.logStreams.list()).length, 3);
  });
});
