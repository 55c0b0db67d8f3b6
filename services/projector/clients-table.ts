import { ClientStateSchema, type ClientState } from '../../shared/clients/index.js';
import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { toDateTime64 } from '../../shared/clickhouse/clamped-datetime.js';
import { canonicalJson } from '../../shared/json/canonical.js';

export { canonicalJson, toDateTime64 };

/** The projection table (migration 1 in shared/migrations). */
export const CLIENTS_TABLE = 'clients';

/** Where a row's event came from in clients.events. */
export interface SourcePosition {
  topic: string;
  partition: number;
  /** Kafka offsets are int64: kept as decimal strings, as kafkajs gives them. */
  offset: string;
}

/** A row of the clients table as written, and as JSONEachRow reads it back. */
export interface ClientRow {
  client_id: string;
  version: number;
  deleted: boolean;
  name: string;
  app_type: string | null;
  is_first_party: boolean;
  /** 'YYYY-MM-DD hh:mm:ss.sss' in UTC. */
  created_at: string;
  updated_at: string;
  /** canonicalJson(ClientState). */
  state: string;
  kafka_topic: string;
  kafka_partition: number;
  kafka_offset: string;
}

/** A client's current state as stored, with the position of the event that produced it. */
export interface StoredClient {
  state: ClientState;
  source: SourcePosition;
}

const COLUMNS = 'client_id, version, deleted, name, app_type, is_first_party, created_at, updated_at, state, kafka_topic, kafka_partition, kafka_offset';

export function toClientRow(state: ClientState, source: SourcePosition): ClientRow {
  return {
    client_id: state.client_id,
    version: state.version,
    deleted: state.deleted,
    name: state.config.name,
    app_type: state.config.app_type ?? null,
    is_first_party: state.config.is_first_party,
    created_at: toDateTime64(state.created_at),
    updated_at: toDateTime64(state.updated_at),
    state: canonicalJson(state),
    kafka_topic: source.topic,
    kafka_partition: source.partition,
    kafka_offset: source.offset,
  };
}

/**
 * Writes rows in one insert per call. async_insert is switched off for the call: the next batch
 * reads these rows back as its starting state, so the insert must be visible when it returns
 * (chDB defaults to async_insert = 1, and a server profile may too).
 */
export async function insertClientRows(ch: Pick<ClickHouseHandle, 'client'>, rows: ClientRow[], table: string = CLIENTS_TABLE): Promise<void> {
  if (rows.length === 0) return;
  await ch.client.insert({ table, values: rows, format: 'JSONEachRow', clickhouse_settings: { async_insert: 0 } });
}

// Bounds the size of the bound Array(String) parameter (it travels in the URL in server mode).
const IDS_PER_QUERY = 1000;

/**
 * Current state of the given clients (tombstones included), from the newest row of each. A row
 * whose state does not parse is a corrupted table, not a bad record: it throws, the batch is
 * retried, and the log says which client needs a replay.
 */
export async function readStoredClients(ch: Pick<ClickHouseHandle, 'client'>, clientIds: Iterable<string>): Promise<Map<string, StoredClient>> {
  const ids = [...new Set(clientIds)];
  const out = new Map<string, StoredClient>();
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const rs = await ch.client.query({
      query: 'SELECT client_id, version, state, kafka_topic, kafka_partition, kafka_offset FROM clients FINAL WHERE client_id IN {ids:Array(String)}',
      query_params: { ids: ids.slice(i, i + IDS_PER_QUERY) },
      format: 'JSONEachRow',
    });
    for (const row of await rs.json<Pick<ClientRow, 'client_id' | 'version' | 'state' | 'kafka_topic' | 'kafka_partition' | 'kafka_offset'>>()) {
      out.set(row.client_id, { state: parseStoredState(row), source: { topic: row.kafka_topic, partition: Number(row.kafka_partition), offset: String(row.kafka_offset) } });
    }
  }
  return out;
}

function parseStoredState(row: Pick<ClientRow, 'client_id' | 'version' | 'state'>): ClientState {
  let raw: unknown;
  try {
    raw = JSON.parse(row.state);
  } catch {
    throw new Error(`clients table: state of ${row.client_id} v${row.version} is not JSON; rebuild it with \`npm run replay\``);
  }
  const parsed = ClientStateSchema.safeParse(raw);
  if (!parsed.success || parsed.data.client_id !== row.client_id || parsed.data.version !== Number(row.version)) {
    throw new Error(`clients table: state of ${row.client_id} v${row.version} is not a valid ClientState of that client and version; rebuild it with \`npm run replay\``);
  }
  // The parsed JSON itself, not zod's output: the fold must continue from exactly what was stored.
  return raw as ClientState;
}

/** Every client's newest row (deleted ones included), ordered by client_id. */
export async function readClientRows(ch: Pick<ClickHouseHandle, 'client'>): Promise<ClientRow[]> {
  const rs = await ch.client.query({ query: `SELECT ${COLUMNS} FROM clients FINAL ORDER BY client_id`, format: 'JSONEachRow' });
  return (await rs.json<ClientRow>()).map((r) => ({ ...r, version: Number(r.version), kafka_partition: Number(r.kafka_partition), kafka_offset: String(r.kafka_offset) }));
}
