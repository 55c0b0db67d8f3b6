// The projector role: clients.events → the clients table in ClickHouse, and its rebuild by replay.
// (replay.ts is the CLI behind `npm run replay`; it runs on import, so it is not re-exported.)
export { startProjector, foldBatch, alreadyProjected, parseClientEvent, DEFAULT_PROJECTOR_GROUP } from './projector.js';
export type { Projector, ProjectorOptions, FoldedBatch } from './projector.js';
export { replayProjection, ReplayError, REPLAY_STAGING_TABLE, REPLAY_VERSIONS_STAGING_TABLE } from './replay-projection.js';
export type { ReplayOptions, ReplayResult } from './replay-projection.js';
export { CLIENTS_TABLE, canonicalJson, insertClientRows, readClientRows, readStoredClients, toClientRow, toDateTime64 } from './clients-table.js';
export type { ClientRow, SourcePosition, StoredClient } from './clients-table.js';
export { embeddedFolderOwner } from './embedded-lock.js';
