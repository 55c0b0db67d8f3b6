import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { LOG_ID_PATTERN, logIdTimeMs } from '../../shared/audit/index.js';
import { listCheckpoints, type Checkpoint, type CheckpointKey } from '../../shared/audit/checkpoint.js';
import { verifyStoredRange } from '../../shared/audit/verify-store.js';
import { principalOf, requireAnyScope } from '../../shared/auth/index.js';
import { isAuth0Error, unavailable } from '../../shared/errors/auth0-error.js';

const READ_LOGS = ['read:logs', 'read:logs_users'];
/** Signing a checkpoint is a write (a row, a record) an auditor may want; not every log reader. */
const CREATE_CHECKPOINTS = ['create:log_checkpoints'];

const ISO_TIME = /^(\d{4})-(\d\d)-(\d\d)(?:T\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(?:Z|[+-]\d\d:\d\d))?$/;

/** Date.parse takes 2026-02-30 for March 2: a day the month does not have is refused instead. */
function isoTimeMs(v: string): number {
  const m = ISO_TIME.exec(v);
  if (!m) return Number.NaN;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (new Date(Date.UTC(y, mo - 1, d)).getUTCDate() !== d || mo < 1 || mo > 12) return Number.NaN;
  return Date.parse(v);
}

// ISO 8601 with a zone, or a log id (its time: the first 16 digits); DateTime64(3) ends in 2299.
const RangeBound = z.string().transform((v, ctx) => {
  const ms = LOG_ID_PATTERN.test(v) ? logIdTimeMs(v)! : isoTimeMs(v);
  if (Number.isNaN(ms) || ms < 0 || ms >= Date.UTC(2300, 0, 1)) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 time (e.g. 2026-11-30T12:00:00Z) or a log_id', input: v });
    return z.NEVER;
  }
  return ms;
});

const VerifyQuerySchema = z.strictObject({
  from: RangeBound.optional().describe('Start of the range (inclusive): ISO 8601 time or log_id'),
  to: RangeBound.optional().describe('End of the range (inclusive): ISO 8601 time or log_id'),
});

const CheckpointsQuerySchema = z.strictObject({
  from: RangeBound.optional(),
  to: RangeBound.optional(),
  take: z.coerce.number().int().min(1).max(100).default(50),
});

/** A dependency failure (ClickHouse, Kafka) is a 503 the caller may retry; input errors pass through. */
async function orUnavailable<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isAuth0Error(err)) throw err;
    throw unavailable(`${what} is unavailable. Retry later.`, { cause: err });
  }
}

export interface TamperRoutesDeps {
  ch: Pick<ClickHouseHandle, 'client'>;
  key: Pick<CheckpointKey, 'publicKey' | 'keyId' | 'jwk' | 'pem'>;
  checkpoint: () => Promise<Checkpoint>;
}

/** Tamper evidence over the logs API: verify a range, list and sign checkpoints, the public key. */
export async function tamperRoutes(app: FastifyInstance, deps: TamperRoutesDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['logs'];

  r.get('/api/v2/logs/verify', { schema: { tags, summary: 'Verify the hash chains of a range of log events', querystring: VerifyQuerySchema } }, async (req) => {
    requireAnyScope(principalOf(req), READ_LOGS);
    const { from, to } = req.query;
    return orUnavailable('The log store', () => verifyStoredRange(deps.ch, { from, to }, deps.key.publicKey));
  });

  r.get('/api/v2/logs/checkpoints', { schema: { tags, summary: 'List signed checkpoints, newest first', querystring: CheckpointsQuerySchema } }, async (req) => {
    requireAnyScope(principalOf(req), READ_LOGS);
    const { from, to, take } = req.query;
    return orUnavailable('The log store', () => listCheckpoints(deps.ch, { from, to, limit: take }));
  });

  r.post('/api/v2/logs/checkpoints', { schema: { tags, summary: 'Sign a checkpoint of the current chain heads now' } }, async (req, reply) => {
    requireAnyScope(principalOf(req), CREATE_CHECKPOINTS);
    const cp = await orUnavailable('The log store or the event log', () => deps.checkpoint());
    return reply.code(201).send(cp);
  });

  r.get('/api/v2/logs/checkpoints/public-key', { schema: { tags, summary: 'The public key checkpoints are signed with' } }, async (req) => {
    requireAnyScope(principalOf(req), READ_LOGS);
    return { kid: deps.key.keyId, alg: 'EdDSA', jwk: deps.key.jwk, pem: deps.key.pem };
  });
}
