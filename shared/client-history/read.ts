import { z } from 'zod';
import type { ClickHouseHandle } from '../clickhouse/index.js';
import { toDateTime64 } from '../clickhouse/clamped-datetime.js';
import { dateTime64ToIso } from '../audit/datetime.js';
import { ClientStateSchema, type ClientState } from '../clients/index.js';
import { CLIENT_VERSIONS_TABLE } from './table.js';

/** Versions are UInt32 in the table. */
const MAX_VERSION = 4_294_967_295;

/**
 * `as_of`: a version number (digits only) or an ISO 8601 time with its offset. Parsed by the
 * route's schema, so a bad value is Auth0's 400 naming the query parameter.
 */
export const AsOfSchema = z.union([
  z.string().regex(/^[0-9]{1,10}$/).transform(Number).pipe(z.int().min(1).max(MAX_VERSION)).transform((version) => ({ version })),
  z.iso.datetime({ offset: true }).transform((time) => ({ time })),
]).describe('The client as it was: a version number (1 = as created) or an ISO 8601 time');
export type AsOf = z.infer<typeof AsOfSchema>;

// The answer's shape lives on its own so the console's type-check does not pull in ClickHouse.
import { VersionChangeSchema, type ClientVersion } from './version.js';
export { ClientVersionSchema, VersionChangeSchema, type ClientVersion } from './version.js';

interface VersionRowRead {
  kind: 'row' | 'total';
  version: number;
  time: string;
  event_type: string;
  actor: string;
  actor_client: string;
  actor_name: string;
  request_id: string;
  deleted: boolean | number;
  changes: string;
  total: string | number;
}

export interface VersionPage {
  versions: ClientVersion[];
  /** Versions the client has in all (0: the table knows no such client). */
  total: number;
}

const PAGE_COLUMNS = 'version, time, event_type, actor, actor_client, actor_name, request_id, deleted, changes';

/**
 * One page of a client's versions in version order, and the total, in ONE query: the page rows
 * and a totals row come back from a UNION ALL, so an empty page still tells "no such client"
 * (total 0) from "past the end".
 */
export async function readVersionPage(
  ch: Pick<ClickHouseHandle, 'client'>,
  clientId: string,
  page: { afterVersion: number; offset: number; limit: number },
): Promise<VersionPage> {
  const rs = await ch.client.query({
    query: `SELECT 'row' AS kind, ${PAGE_COLUMNS}, toUInt64(0) AS total FROM (
  SELECT ${PAGE_COLUMNS} FROM ${CLIENT_VERSIONS_TABLE} FINAL
  WHERE client_id = {id:String} AND version > {after:UInt32}
  ORDER BY version LIMIT {limit:UInt32} OFFSET {offset:UInt64})
UNION ALL
SELECT 'total', toUInt32(0), toDateTime64(0, 3, 'UTC'), '', '', '', '', '', false, '', count()
FROM ${CLIENT_VERSIONS_TABLE} FINAL WHERE client_id = {id:String}`,
    query_params: { id: clientId, after: page.afterVersion, limit: page.limit, offset: page.offset },
    format: 'JSONEachRow',
  });
  const out: VersionPage = { versions: [], total: 0 };
  for (const r of await rs.json<VersionRowRead>()) {
    if (r.kind === 'total') out.total = Number(r.total);
    else out.versions.push(presentVersion(r));
  }
  // UNION ALL gives no order between its parts.
  out.versions.sort((a, b) => a.version - b.version);
  return out;
}

function presentVersion(r: VersionRowRead): ClientVersion {
  return {
    version: Number(r.version),
    date: dateTime64ToIso(r.time),
    type: r.event_type,
    deleted: Boolean(r.deleted),
    actor: { user_id: r.actor, client_id: r.actor_client, name: r.actor_name, request_id: r.request_id },
    changes: z.array(VersionChangeSchema).parse(JSON.parse(r.changes)),
  };
}

/** The state a client had at a version or a time, with that version's deleted flag; undefined when it had none. */
export async function readStateAsOf(ch: Pick<ClickHouseHandle, 'client'>, clientId: string, asOf: AsOf): Promise<ClientState | undefined> {
  const byVersion = 'version' in asOf;
  const rs = await ch.client.query({
    query: byVersion
      ? `SELECT state FROM ${CLIENT_VERSIONS_TABLE} FINAL WHERE client_id = {id:String} AND version = {version:UInt32} LIMIT 1`
      : `SELECT state FROM ${CLIENT_VERSIONS_TABLE} FINAL WHERE client_id = {id:String} AND time <= {time:DateTime64(3, 'UTC')} ORDER BY version DESC LIMIT 1`,
    query_params: byVersion ? { id: clientId, version: asOf.version } : { id: clientId, time: toDateTime64(asOf.time) },
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ state: string }>();
  if (!row) return undefined;
  const parsed = ClientStateSchema.safeParse(JSON.parse(row.state));
  if (!parsed.success || parsed.data.client_id !== clientId) {
    throw new Error(`${CLIENT_VERSIONS_TABLE}: the state of ${clientId} is not a valid ClientState; rebuild it with \`npm run replay\``);
  }
  return parsed.data;
}
