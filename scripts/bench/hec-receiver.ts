/**
 * A lean Splunk HEC endpoint for bench:export, in its own process so its CPU is not the
 * exporter's: the documented path, `Authorization: Splunk <token>`, gzip, Splunk's reply bodies,
 * and a count of the log_ids it took. The protocol-checking receiver in test/helpers parses every
 * event, which would make the receiver, not the sender, the thing measured.
 * Controlled over IPC: {cmd: 'counts' | 'reset' | 'down', value?}.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';

const gunzip = promisify(gunzipCallback);
const token = process.env.HEC_TOKEN ?? 'bench-token';
const LOG_ID = /"log_id":"(\d{56})"/g;

let down = false;
let accepted = 0;
let requests = 0;
let refused = 0;
/** Uncompressed body bytes taken: the same entries in the same batches give the same figure. */
let bytes = 0;
let ids = new Set<string>();
let firstAcceptedAt: number | undefined;
let lastAcceptedAt: number | undefined;

const reply = (res: import('node:http').ServerResponse, status: number, code: number, text: string) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ text, code }));

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    void (async () => {
      requests++;
      if (req.method !== 'POST' || req.url?.split('?')[0] !== '/services/collector/event') return reply(res, 404, 404, 'Not found');
      if (req.headers.authorization !== `Splunk ${token}`) return reply(res, 403, 4, 'Invalid token');
      if (down) {
        refused++;
        return reply(res, 503, 9, 'Server is busy');
      }
      const raw = Buffer.concat(chunks);
      const inflated = req.headers['content-encoding'] === 'gzip' ? await gunzip(raw) : raw;
      bytes += inflated.length;
      const body = inflated.toString('utf8');
      for (const m of body.matchAll(LOG_ID)) {
        accepted++;
        ids.add(m[1]!);
      }
      const now = performance.timeOrigin + performance.now();
      firstAcceptedAt ??= now;
      lastAcceptedAt = now;
      reply(res, 200, 0, 'Success');
    })().catch(() => reply(res, 400, 6, 'Invalid data format'));
  });
});

server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});

process.on('message', (msg: { cmd: string; value?: boolean }) => {
  if (msg.cmd === 'down') down = msg.value === true;
  if (msg.cmd === 'reset') {
    accepted = 0;
    requests = 0;
    refused = 0;
    bytes = 0;
    ids = new Set();
    firstAcceptedAt = undefined;
    lastAcceptedAt = undefined;
  }
  const cpu = process.cpuUsage();
  process.send?.({ accepted, unique: ids.size, requests, refused, bytes, firstAcceptedAt, lastAcceptedAt, cpuMs: (cpu.user + cpu.system) / 1000 });
});

process.on('disconnect', () => server.close(() => process.exit(0)));
