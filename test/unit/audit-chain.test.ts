// Tamper evidence (shared/audit/chain.ts, chain-verify.ts, verify-export.ts, checkpoint.ts and
// services/audit/chain-heads.ts): the chain is a pure function of the entries whatever the
// delivery pattern, every presented form of an entry hashes to what was written, and each kind
// of tampering is detected and located.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import {
  canonicalContent, checkEntry, encodeEntry, entryFromPresented, fromAuditRow, GENESIS_HASH, headFromMetadata, headToMetadata, linkEntries, linkFor, linkHolds,
  makeLogId, type AuditEntry, type EncodedEntry,
} from '../../shared/audit/index.js';
import { formatDateTime64 } from '../../shared/audit/datetime.js';
import { checkpointKeyFromSeed, checkpointSignatureValid, publicKeyFromText, signCheckpoint } from '../../shared/audit/checkpoint.js';
import { verifyExport } from '../../shared/audit/verify-export.js';
import { chainHeads } from '../../services/audit/chain-heads.js';
import { canonicalJson } from '../../shared/audit/canonical-json.js';
import canonicalize from 'canonicalize';
import { arbAuditEntry, arbBrokenJson, arbRequestEntry } from '../helpers/arbitraries.js';

const CHAIN = 'clients.events/0';

function entry(i: number, extra: Partial<AuditEntry> = {}): AuditEntry {
  const date = new Date(Date.UTC(2026, 10, 30, 12, 0, 0, i)).toISOString();
  const e = {
    log_id: makeLogId(Date.parse(date), `k${i}`), date, type: 'sapi', description: `Update a client ${i}`, client_id: 'app', client_name: 'App',
    user_id: 'auth0|u', user_name: 'U', ip: '127.0.0.1', user_agent: 'ua', hostname: '', target_client_id: `c${i}`, target_client_name: `C ${i}`,
    details: { request: { method: 'patch', path: `/api/v2/clients/c${i}`, query: {}, body: { name: `n${i}` } }, response: { statusCode: 200 } },
    scope: 'update:clients', audience: '', connection: '', connection_id: '', organization_id: '', strategy: '', strategy_type: '', ...extra,
  };
  const checked = checkEntry(e);
  assert.ok(checked.ok);
  return checked.encoded.entry;
}

/** The row GET /api/v2/logs reads for a linked entry (ClickHouse's JSONEachRow text forms). */
function storedRow(e: EncodedEntry): Record<string, unknown> {
  return { ...e.entry, date: formatDateTime64(Date.parse(e.entry.date)), details: JSON.stringify(e.entry.details), ...e.link, chain_seq: String(e.link!.chain_seq) };
}

const exportLines = (linked: EncodedEntry[]) => linked.map((e) => JSON.stringify(fromAuditRow(storedRow(e))));

describe('canonical JSON', () => {
  const outcome = (f: () => string | undefined) => {
    try {
      return { text: f() };
    } catch {
      return { threw: true };
    }
  };
  const odd = fc.oneof(
    arbBrokenJson({ maxDepth: 5, maxEntries: 5, textLength: 8, numbers: fc.oneof(fc.double(), fc.integer()) }),
    // Own __proto__ / toJSON keys as JSON.parse makes them, keys ordered by UTF-16 units, specials.
    fc.dictionary(fc.constantFrom('__proto__', 'toJSON', 'constructor', 'b', 'a', '\u00e9', '\ud83d\ude00', '\uff61', '10', '9'), fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxKeys: 6 })
      .map((d) => JSON.parse(JSON.stringify(d)) as unknown),
    fc.constantFrom<unknown>(new Date(0), Object.assign(Object.create(null) as object, { b: 1, a: [undefined, () => 1] }), { n: Number.NaN }, { toJSON: () => 'x' }, [1n], new String('s'), { a: undefined, b: Symbol('s') }),
  );

  it('is exactly what the canonicalize package makes, or throws when it does (generated)', () => {
    fc.assert(
      fc.property(fc.oneof(odd, arbAuditEntry), (value) => {
        assert.deepEqual(outcome(() => canonicalJson(value)), outcome(() => canonicalize(value)));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('hash chain', () => {
  it('links each entry to the one before: seq from 0, genesis first, the hash over JCS of the entry with chain and seq', () => {
    const { entries, head } = linkEntries([0, 1, 2].map((i) => encodeEntry(entry(i))), CHAIN, undefined);
    assert.deepEqual(entries.map((e) => e.link!.chain_seq), [0, 1, 2]);
    assert.equal(entries[0]!.link!.prev_hash, GENESIS_HASH);
    assert.equal(entries[1]!.link!.prev_hash, entries[0]!.link!.hash);
    assert.deepEqual(head, { seq: 2, hash: entries[2]!.link!.hash });
    // Key order does not matter (JCS), the content does.
    const e = entry(5);
    const reordered = Object.fromEntries(Object.entries(e).reverse()) as AuditEntry;
    assert.equal(canonicalContent(e, CHAIN, 3), canonicalContent(reordered, CHAIN, 3));
    assert.notEqual(linkFor(e, CHAIN, head).hash, linkFor({ ...e, description: 'x' }, CHAIN, head).hash);
    // The link rides at the end of both encodings.
    assert.deepEqual(JSON.parse(entries[1]!.json), { ...entries[1]!.entry, ...entries[1]!.link });
    assert.ok(entries[1]!.row.endsWith(`\t${CHAIN}\t1\t${entries[0]!.link!.hash}\t${entries[1]!.link!.hash}`));
  });

  it('head metadata round-trips; anything else reads as no head', () => {
    const head = { seq: 41, hash: 'a'.repeat(64) };
    assert.deepEqual(headFromMetadata(headToMetadata(head)), head);
    for (const bad of ['', null, undefined, 'x', '{"v":2,"seq":1,"hash":"aa"}', '{"v":1,"seq":-1,"hash":"' + 'a'.repeat(64) + '"}']) assert.equal(headFromMetadata(bad), undefined);
    assert.equal(headToMetadata(undefined), '');
  });

  it('every presented form of any entry (log object, export, audit.log) hashes to what was written (generated)', () => {
    fc.assert(
      fc.property(fc.oneof(arbAuditEntry, arbRequestEntry), fc.nat({ max: 1000 }), (e, seq) => {
        const [linked] = linkEntries([encodeEntry(e)], CHAIN, seq === 0 ? undefined : { seq: seq - 1, hash: 'b'.repeat(64) }).entries;
        const link = linked!.link!;
        const logObject = JSON.parse(JSON.stringify(fromAuditRow(storedRow(linked!)))) as Record<string, unknown>;
        assert.ok(linkHolds(entryFromPresented(logObject), link), 'log object / export line');
        assert.ok(linkHolds(entryFromPresented(JSON.parse(linked!.json) as Record<string, unknown>), link), 'audit.log entry');
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * The audit consumer's commit protocol, modelled: a batch is linked from the committed head,
 * inserted (ClickHouse keeps the last row per log_id), and committed with its head as offset
 * metadata, or not (the transaction failed, the process died). Records that make no entry (a
 * parse failure) are committed by the runner with the committed head's metadata.
 */
describe('chain through redelivery, restart and runner commits (generated)', () => {
  it('equals the chain of one clean pass', async () => {
    const step = fc.record({ size: fc.integer({ min: 1, max: 5 }), outcome: fc.constantFrom('ok', 'ok', 'fail-after-insert', 'crash-after-insert', 'crash-before') });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 25 }), fc.array(step, { minLength: 1, maxLength: 60 }), async (parses, steps) => {
        const records = parses.map((ok, i) => (ok ? encodeEntry(entry(i)) : undefined)); // undefined: no entry (dead-lettered)
        const clean = linkEntries(records.filter((r): r is EncodedEntry => r !== undefined), CHAIN, undefined).entries;

        const group = { offset: 0, metadata: '' };
        const admin = { fetchOffsets: async () => [{ topic: 'clients.events', partitions: [{ partition: 0, offset: String(group.offset), metadata: group.metadata }] }] };
        const store = new Map<string, EncodedEntry>();
        let chains = chainHeads({ admin: admin as never, groupId: 'g' });
        await chains.restore([{ topic: 'clients.events', partition: 0 }]);
        const restart = async () => {
          chains = chainHeads({ admin: admin as never, groupId: 'g' });
          await chains.restore([{ topic: 'clients.events', partition: 0 }]);
        };
        let i = 0;
        while (group.offset < records.length) {
          const s = steps[i++ % steps.length]!;
          // A pattern that never commits must still finish: every fifth step succeeds.
          const outcome = i % 5 === 0 ? 'ok' : s.outcome;
          const batch = records.slice(group.offset, group.offset + s.size);
          const end = group.offset + batch.length;
          const made = batch.filter((r): r is EncodedEntry => r !== undefined);
          if (made.length === 0) {
            // The runner commits records that only failed parsing, keeping the head.
            if (outcome === 'crash-before') await restart();
            else Object.assign(group, { offset: end, metadata: chains.metadata('clients.events', 0) });
            continue;
          }
          if (outcome === 'crash-before') {
            await restart();
            continue;
          }
          const linked = chains.link('clients.events', 0, made);
          for (const e of linked.entries) store.set(e.entry.log_id, e);
          if (outcome === 'fail-after-insert') continue;
          if (outcome === 'crash-after-insert') {
            await restart();
            continue;
          }
          Object.assign(group, { offset: end, metadata: linked.metadata });
          linked.commit();
        }
        const written = [...store.values()].sort((a, b) => a.link!.chain_seq - b.link!.chain_seq);
        assert.deepEqual(written.map((e) => e.link), clean.map((e) => e.link));
        assert.deepEqual(written.map((e) => e.row), clean.map((e) => e.row));
      }),
      { numRuns: 200 },
    );
  });
});

describe('offline verify of an export', () => {
  const linked = linkEntries(Array.from({ length: 8 }, (_, i) => encodeEntry(entry(i))), CHAIN, undefined).entries;
  const lines = exportLines(linked);
  const parse = (l: string) => JSON.parse(l) as Record<string, unknown>;

  it('finds an intact export intact, in any line order', async () => {
    const report = await verifyExport([...lines].reverse());
    assert.equal(report.intact, true, JSON.stringify(report.first_break));
    assert.equal(report.checked, 8);
  });

  it('an edited line: hash_mismatch at that entry', async () => {
    const edited = [...lines];
    edited[3] = JSON.stringify({ ...parse(lines[3]!), description: 'Nothing happened' });
    const { intact, first_break } = await verifyExport(edited);
    assert.equal(intact, false);
    assert.deepEqual([first_break?.reason, first_break?.log_id, first_break?.seq], ['hash_mismatch', linked[3]!.entry.log_id, 3]);
  });

  it('an edited line with its hash recomputed: the successor names it', async () => {
    const forgedEntry = { ...linked[4]!.entry, user_name: 'someone else' };
    const forgedLink = linkFor(forgedEntry, CHAIN, { seq: 3, hash: linked[3]!.link!.hash });
    const edited = [...lines];
    edited[4] = JSON.stringify({ ...parse(lines[4]!), user_name: 'someone else', hash: forgedLink.hash });
    const { first_break } = await verifyExport(edited);
    assert.deepEqual([first_break?.reason, first_break?.log_id], ['hash_mismatch', linked[4]!.entry.log_id]);
  });

  it('a deleted line: missing at its seq; the first one only when the export claims the whole trail', async () => {
    const { first_break } = await verifyExport(lines.filter((_, i) => i !== 5));
    assert.deepEqual([first_break?.reason, first_break?.seq, first_break?.log_id], ['missing', 5, linked[6]!.entry.log_id]);
    const headless = lines.slice(1);
    const partial = await verifyExport(headless);
    assert.equal(partial.intact, true);
    assert.equal(partial.chains[0]!.first_seq, 1);
    const whole = await verifyExport(headless, { fromStart: true });
    assert.deepEqual([whole.first_break?.reason, whole.first_break?.seq], ['missing', 0]);
  });

  it('two swapped entries: reordered at the first position', async () => {
    const swapped = [...lines];
    swapped[2] = JSON.stringify({ ...parse(lines[2]!), chain_seq: 3 });
    swapped[3] = JSON.stringify({ ...parse(lines[3]!), chain_seq: 2 });
    const { first_break } = await verifyExport(swapped);
    assert.deepEqual([first_break?.reason, first_break?.seq, first_break?.log_id], ['reordered', 2, linked[3]!.entry.log_id]);
  });

  it('an inserted entry, well forged (chained to its predecessor): inserted, naming the forgery', async () => {
    const forged = entry(100, { description: 'Grant everything' });
    const link = linkFor(forged, CHAIN, { seq: 5, hash: linked[5]!.link!.hash });
    link.chain_seq = 6;
    const line = JSON.stringify(fromAuditRow(storedRow({ entry: forged, json: '', row: '', link })));
    const { first_break } = await verifyExport([...lines, line]);
    assert.deepEqual([first_break?.reason, first_break?.seq, first_break?.log_id], ['inserted', 6, forged.log_id]);
  });

  it('a cut end is caught by a signed checkpoint, and only with a valid signature', async () => {
    const key = await checkpointKeyFromSeed(Buffer.alloc(32, 7));
    const cp = signCheckpoint(key, [{ chain: CHAIN, seq: 7, hash: linked[7]!.link!.hash }], new Date(Date.UTC(2026, 10, 30, 12, 0, 0, 7)));
    const cut = lines.slice(0, 6);
    // The newest remaining entry is older than the checkpoint: nothing says the end was cut.
    assert.equal((await verifyExport(cut, { publicKey: key.publicKey, checkpoints: [cp] })).intact, true);
    const cutAfter = [...cut, JSON.stringify({ ...parse(lines[7]!), chain: 'other/0', chain_seq: 0, prev_hash: GENESIS_HASH, hash: linkFor(linked[7]!.entry, 'other/0', undefined).hash })];
    const report = await verifyExport(cutAfter, { publicKey: key.publicKey, checkpoints: [cp] });
    assert.deepEqual([report.first_break?.reason, report.first_break?.chain, report.first_break?.seq], ['missing', CHAIN, 6]);
    // Intact lines, checkpoint heads agree.
    const ok = await verifyExport(lines, { publicKey: key.publicKey, checkpoints: [cp] });
    assert.equal(ok.intact, true);
    assert.equal(ok.checkpoints[0]!.heads_checked, 1);
    // A checkpoint signed by another key is no evidence, and makes the report fail.
    const other = generateKeyPairSync('ed25519');
    const bad = await verifyExport(lines, { publicKey: other.publicKey, checkpoints: [cp] });
    assert.equal(bad.intact, false);
    assert.equal(bad.checkpoints[0]!.signature_valid, false);
  });

  it('any single tamper of a generated export is detected and located (generated)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 12 }), fc.nat(), fc.constantFrom('edit', 'delete', 'swap', 'insert'), async (n, at, kind) => {
        const chain = linkEntries(Array.from({ length: n }, (_, i) => encodeEntry(entry(i))), CHAIN, undefined).entries;
        const ls = exportLines(chain);
        const k = at % (n - 1); // leaves a successor for every kind
        let expected: [string, string];
        if (kind === 'edit') {
          ls[k] = JSON.stringify({ ...parse(ls[k]!), ip: '10.6.6.6' });
          expected = ['hash_mismatch', chain[k]!.entry.log_id];
        } else if (kind === 'delete') {
          ls.splice(k, 1);
          expected = ['missing', chain[k + 1]!.entry.log_id];
        } else if (kind === 'swap') {
          ls[k] = JSON.stringify({ ...parse(ls[k]!), chain_seq: k + 1 });
          ls[k + 1] = JSON.stringify({ ...parse(ls[k + 1]!), chain_seq: k });
          expected = ['reordered', chain[k + 1]!.entry.log_id];
        } else {
          const forged = entry(1000 + k, { description: 'forged' });
          const link = linkFor(forged, CHAIN, k === 0 ? undefined : { seq: k - 1, hash: chain[k - 1]!.link!.hash });
          ls.push(JSON.stringify(fromAuditRow(storedRow({ entry: forged, json: '', row: '', link }))));
          expected = ['inserted', forged.log_id];
        }
        // The whole trail: a deleted first entry is a gap, not a later start.
        const { intact, first_break } = await verifyExport(ls, { fromStart: true });
        assert.equal(intact, false);
        assert.deepEqual([first_break?.reason, first_break?.log_id], expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('checkpoint signatures', () => {
  it('hold for the signed heads only; the public key reads from PEM, JWK or the endpoint answer', async () => {
    const key = await checkpointKeyFromSeed(Buffer.alloc(32, 3));
    const cp = signCheckpoint(key, [{ chain: CHAIN, seq: 3, hash: 'c'.repeat(64) }]);
    for (const text of [key.pem, JSON.stringify(key.jwk), JSON.stringify({ kid: key.keyId, jwk: key.jwk, pem: key.pem })]) {
      assert.equal(checkpointSignatureValid(cp, publicKeyFromText(text)), true);
    }
    assert.equal(checkpointSignatureValid({ ...cp, heads: [{ chain: CHAIN, seq: 4, hash: 'c'.repeat(64) }] }, key.publicKey), false);
    assert.equal(checkpointSignatureValid({ ...cp, time: new Date(0).toISOString() }, key.publicKey), false);
    // The key id is stable for the seed: the RFC 7638 thumbprint.
    assert.equal((await checkpointKeyFromSeed(Buffer.alloc(32, 3))).keyId, key.keyId);
  });
});
