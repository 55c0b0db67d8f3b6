// A client's history: the client_versions table the projector writes (one row per applied event)
// and the reads the API serves /clients/{id}/versions and ?as_of= from.
export { CLIENT_VERSIONS_TABLE, clientVersionsMigration, insertVersionRows, toVersionRow, type ClientVersionRow } from './table.js';
export { AsOfSchema, ClientVersionSchema, readStateAsOf, readVersionPage, type AsOf, type ClientVersion, type VersionPage } from './read.js';
