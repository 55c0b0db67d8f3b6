import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const splitList = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
const list = z.string().transform(splitList);

export const ROLES = ['api', 'projector', 'audit', 'exporter'] as const;

/**
 * Every setting apptrail reads from the environment. The README's configuration table is
 * generated from the descriptions here (npm run config:docs) and a test keeps the two in step.
 */
export const ConfigSchema = z.object({
  HOST: z.string().default('127.0.0.1').describe('Interface the HTTP server binds to'),
  PORT: port.default(3000).describe('HTTP port of the API'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  DATA_DIR: z.string().default('.data').describe('Folder for embedded data: chDB files, generated local keys, the local broker'),
  ROLES: z
    .string()
    .default(ROLES.join(','))
    .transform(splitList)
    .pipe(z.array(z.enum(ROLES)).min(1))
    .describe('Comma-separated roles this process runs: api, projector, audit, exporter'),

  KAFKA_BROKERS: list.pipe(z.array(z.string().min(1)).min(1)).optional().describe('Existing Kafka brokers (host:port,...); unset = start the local broker'),
  KAFKA_PORT: port.default(9092).describe('Port of the local broker started when KAFKA_BROKERS is unset'),
  KAFKA_CLIENT_ID: z.string().default('apptrail').describe('Kafka client id'),
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[A-Za-z0-9._-]*$/).default('').describe('Prefix for every topic and shared consumer group name (isolates environments and tests)'),
  KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(3).describe('Partitions for topics apptrail creates'),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).default(1).describe('Replication factor for topics apptrail creates'),

  CLICKHOUSE_URL: z.url().optional().describe('ClickHouse server over HTTP(S); unset = embedded chDB under DATA_DIR'),
  CLICKHOUSE_USER: z.string().default('default').describe('ClickHouse user (server mode)'),
  CLICKHOUSE_PASSWORD: z.string().default('').describe('ClickHouse password (server mode)'),
  CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('apptrail').describe('ClickHouse database'),

  TENANT_NAME: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'lower-case letters, digits and inner hyphens, at most 64').default('apptrail').describe('Tenant name: the `tenant` of every client and the CN of the tenant signing certificate'),
  TLS_CERT_FILE: z.string().optional().describe('PEM certificate; with TLS_KEY_FILE the API serves HTTPS'),
  TLS_KEY_FILE: z.string().optional().describe('PEM private key for TLS_CERT_FILE'),

  AUTH_AUDIENCE: z.string().default('http://127.0.0.1:3000/api/v2/').describe('Expected `aud` of access tokens'),
  AUTH_ISSUER: z.string().optional().describe('Expected `iss` of access tokens (checked when set)'),
  AUTH_JWKS_URL: z.url().optional().describe('JWKS URL for RS256 tokens; unset = HS256 with AUTH_SIGNING_SECRET'),
  AUTH_SIGNING_SECRET: z.string().min(32).optional().describe('HS256 secret for local tokens; unset = generated into DATA_DIR'),
  SIGNING_KEY_FILE: z.string().min(1).optional().describe('PEM file with an RSA PRIVATE KEY (PKCS#8) to use as the first token-signing key; unset = generated on first start'),
  OAUTH_ISSUER: z.url().refine((u) => u.endsWith('/'), 'must end with /').optional().describe('`iss` of the tokens /oauth/token issues and the issuer in /.well-known/openid-configuration (e.g. https://tenant.example.com/); unset = the origin of AUTH_AUDIENCE with a trailing /'),
  OAUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600).describe('/oauth/token requests per minute per client_id (and /oidc/register per IP) and instance; 0 disables. Excess gets 429 {error: too_many_requests}'),
  DCR_INITIAL_ACCESS_TOKEN: z.string().min(32).optional().describe('When set, POST /oidc/register needs `Authorization: Bearer <this>` (RFC 7591 initial access token); unset = open registration while the tenant flag enable_dynamic_client_registration is on'),
  SECRETS_KEY: z.string().regex(/^[A-Za-z0-9+/_-]{43}=?$/, 'must be 32 bytes, base64').optional().describe('AES-256-GCM key (base64, 32 bytes) sealing client secrets; unset = generated into DATA_DIR'),

  RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(0).default(1000).describe('Management API requests per second per caller (token azp, else IP) and instance; 0 disables. Excess gets 429 with Retry-After'),

  AUDIT_BATCH_MIN_BYTES: z.coerce.number().int().min(1).default(65536).describe('Audit batches flush once this many bytes of records wait (size trigger)'),
  AUDIT_BATCH_MAX_MS: z.coerce.number().int().min(1).default(200).describe('…or once the oldest waited this long (age trigger)'),
  LOGS_CHECKPOINT_HORIZON_MS: z.coerce.number().int().min(0).max(3_600_000).default(3000).describe('Checkpoint pages of GET /api/v2/logs (from/take) leave out entries of the last this many ms, so an entry committed a moment after a newer one is not skipped by a reader that already has the newer id; 0 = none'),
  LOGS_STREAM_MAX_PER_CALLER: z.coerce.number().int().min(1).default(5).describe('Live tails (GET /api/v2/logs/stream) one caller (token azp, else sub) may hold open per instance; one more gets 429'),
  LOGS_STREAM_POLL_MS: z.coerce.number().int().min(10).default(100).describe('How often a live tail asks ClickHouse for new entries'),
  LOGS_STREAM_SETTLE_MS: z.coerce.number().int().min(0).default(200).describe('A live tail sends an entry once it was inserted this long ago, so an insert that began earlier but became visible later is never skipped'),
  LOGS_STREAM_HEARTBEAT_MS: z.coerce.number().int().min(100).default(15000).describe('Interval of the comment lines that keep an idle live tail open through proxies'),
  AUDIT_CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(0).default(60000).describe('A signed checkpoint of the audit hash chains is written this often when their heads moved; 0 = only on demand'),
  AUDIT_CHECKPOINT_KEY: z.string().regex(/^[A-Za-z0-9+/_-]{43}=?$/, 'must be 32 bytes, base64').optional().describe('Ed25519 seed (base64, 32 bytes) signing audit checkpoints; unset = generated into DATA_DIR'),
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).default(30).describe('Audit rows older than this are dropped by TTL'),

  EXPORTER_SUSPEND_AFTER_MS: z.coerce.number().int().min(1).default(3_600_000).describe('A log stream whose sink keeps failing this long without a single delivery is suspended (PATCH status active resumes it from its own position)'),
  LOG_STREAMS_ALLOW_INSECURE_LOOPBACK: z.enum(['true', 'false']).default('false').transform((v) => v === 'true').describe('Accept http:// log stream endpoints on 127.0.0.1/localhost (local receivers only; production sinks must use https)'),

  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(15000).describe('Grace period for in-flight work on SIGTERM/SIGINT'),
});

export type Config = z.infer<typeof ConfigSchema>;
export const CONFIG_KEYS = Object.keys(ConfigSchema.shape) as (keyof Config)[];
