export { DATETIME64_SQL_TYPE, dateTime64ToIso, formatDateTime64 } from './datetime.js';
export {
  AUDIT_LOG_TYPES, AUDIT_TEXT_FIELDS, AuditDetailsSchema, AuditEntrySchema, type AuditDetails, type AuditEntry, type AuditEntryInput,
  type AuditLogType,
} from './entry.js';
export {
  BARE_TERM_FIELDS, OUTPUT_FIELDS, SEARCHABLE_FIELDS, columnOf, isOutputField, isSearchableField, type OutputField,
  type SearchableField, type StringField,
} from './fields.js';
export { LOG_ID_LENGTH, LOG_ID_PATTERN, logIdTimeMs, makeLogId } from './log-id.js';
export { assertLogIdMatchesDate, fromAuditRow, type LogObject } from './row.js';
export { AUDIT_TABLE, MAX_RETENTION_DAYS, applyRetention, auditMigrations, currentRetentionDays } from './table.js';
export * from './query/index.js';
export { redactSecrets, secretFieldsIn } from './redact.js';
export { describeOperation, targetClientOf } from './operations.js';
export { RequestRecordSchema, parseRequestRecord, toRequestRecord, type RequestRecord } from './request-record.js';
export { CLIENT_EVENT_STATUS, TENANT_EVENT_STATUS, TYPE_OF_OUTCOME, clientEventChanges, entryFromClientEvent, entryFromLogStreamEvent, entryFromRequestRecord, entryFromTenantEvent, type Change } from './derive.js';
export { AUDIT_LOG_EVENT, encodedToAuditLogRecord, parseAuditLogRecord, toAuditLogRecord, type AuditLogEntry } from './log-record.js';
export { AUDIT_ROW_COLUMNS, checkEntry, encodeEntry, fitsEntryShape, type EncodedEntry, type EntryCheck } from './encoded-entry.js';
export { degradeEntry, storableText, type DegradableEntry, type DegradedNote } from './degrade.js';
export {
  CHAIN_COLUMNS, ChainLinkSchema, GENESIS_HASH, HASH_PATTERN, UNCHAINED_ROW_SUFFIX, canonicalContent, chainHash, chainKeyOf, entryFromPresented, headFromMetadata,
  headToMetadata, linkEntries, linkFor, linkHolds, linkOf, type ChainHead, type ChainLink,
} from './chain.js';
export { ChainVerifier, type BreakReason, type ChainBreak, type ChainSummary, type LinkRow } from './chain-verify.js';
