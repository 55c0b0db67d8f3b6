import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { credentialForms, credentialRedactor, datadogSink, httpSink, REDACTED_CREDENTIAL, splunkSink, sumoSink } from '../../shared/sinks/index.js';
import { arbText } from '../helpers/arbitraries.js';

// Credentials as people write them: no brackets, which the marker is made of (a secret ending in
// "D]" could re-form next to a marker; nobody's token looks like that).
const arbSecret = arbText({ minLength: 4, maxLength: 40 }).filter((s) => !/[[\]]/.test(s) && !REDACTED_CREDENTIAL.includes(s));
const arbFiller = arbText({ maxLength: 60 }).filter((s) => !/[[\]]/.test(s));

describe('credential redaction', () => {
  it('removes every form of the credential, wherever it is quoted', () => {
    fc.assert(
      fc.property(arbSecret, fc.array(fc.tuple(arbFiller, fc.nat()), { minLength: 1, maxLength: 4 }), arbFiller, (secret, pieces, tail) => {
        const forms = credentialForms(secret);
        const text = pieces.map(([before, i]) => before + forms[i % forms.length]).join('') + tail;
        const out = credentialRedactor([secret])(text);
        for (const form of forms) assert.ok(!out.includes(form), `${JSON.stringify(form)} left in ${JSON.stringify(out)}`);
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves text without credentials alone and is idempotent', () => {
    fc.assert(
      fc.property(arbSecret, arbFiller, (secret, text) => {
        const redact = credentialRedactor([secret]);
        fc.pre(!credentialForms(secret).some((f) => text.includes(f)));
        assert.equal(redact(text), text);
        const once = redact(`${text}${secret}${text}`);
        assert.equal(redact(once), once);
      }),
      { numRuns: 500 },
    );
  });

  it("knows each sink's credentials: the token after the scheme, Basic's password, Sumo's collector code", () => {
    const basic = `Basic ${Buffer.from('user:pa55word').toString('base64')}`;
    const http = credentialRedactor(httpSink.credentials({ httpEndpoint: 'https://x.example/logs', httpAuthorization: basic }));
    assert.equal(http('bad password pa55word for user:pa55word'), `bad password ${REDACTED_CREDENTIAL} for ${REDACTED_CREDENTIAL}`);
    const bearer = credentialRedactor(httpSink.credentials({ httpEndpoint: 'https://x.example/logs', httpAuthorization: 'Bearer tok-123' }));
    assert.equal(bearer('token tok-123 / dG9rLTEyMw== / Bearer%20tok-123'), `token ${REDACTED_CREDENTIAL} / ${REDACTED_CREDENTIAL} / ${REDACTED_CREDENTIAL}`);
    assert.deepEqual(httpSink.credentials({ httpEndpoint: 'https://x.example/logs' }), []);
    const sumo = credentialRedactor(sumoSink.credentials({ sumoSourceAddress: 'https://endpoint1.collection.sumologic.com/receiver/v1/http/ZaVnC4dhaV==' }));
    assert.equal(sumo('no source /receiver/v1/http/ZaVnC4dhaV== here; code ZaVnC4dhaV%3D%3D'), `no source ${REDACTED_CREDENTIAL} here; code ${REDACTED_CREDENTIAL}`);
    assert.equal(credentialRedactor(splunkSink.credentials({ splunkDomain: 'h', splunkPort: '8088', splunkToken: 'hec-1', splunkSecure: true }))('Splunk hec-1'), `Splunk ${REDACTED_CREDENTIAL}`);
    assert.equal(credentialRedactor(datadogSink.credentials({ datadogApiKey: 'ddkey', datadogRegion: 'us' }))('key=ddkey'), `key=${REDACTED_CREDENTIAL}`);
  });
});
