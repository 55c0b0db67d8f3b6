import type { KafkaMessage } from 'kafkajs';
import type { EventMeta } from '../../shared/clients/envelope.js';
import { ClientStateSchema, parseClientEventRecord, type ClientEventRecord, type ClientState } from '../../shared/clients/index.js';
import { apply as applyClientEvent } from '../../shared/clients/fold.js';
import { CLIENT_EVENT_STATUS, entryFromClientEvent, entryFromLogStreamEvent, entryFromTenantEvent, TENANT_EVENT_STATUS, type AuditEntry } from '../../shared/audit/index.js';
import { LogStreamStateSchema, parseLogStreamEventRecord, type LogStreamEventRecord, type LogStreamState } from '../../shared/log-streams/index.js';
import { apply as applyLogStreamEvent } from '../../shared/log-streams/fold.js';
import { apply as applyTenantEvent, parseTenantEventRecord, TenantResourceStateSchema, type TenantEventRecord, type TenantResourceState } from '../../shared/tenant/index.js';
import type { TopicNames } from '../../shared/kafka/index.js';

/**
 * An event topic the audit consumer folds itself to derive success entries with before/after: how
 * to parse a record, which subject it is about, the topic's own pure fold, and the entry. The
 * consumer's bookkeeping (staging, snapshots, replay after assignment) is the same for each.
 */
export interface FoldedTopic<R extends { id: string; time: string; meta: EventMeta } = { id: string; time: string; meta: EventMeta }, S = unknown> {
  topic: string;
  /** Names the topic in log ids (`<label>:<event id>`), independent of the topic prefix. */
  label: string;
  parse(message: KafkaMessage): R;
  subject(rec: R): string;
  fold(before: S | undefined, rec: R): { state: S | undefined; verdict: 'applied' | 'conflict' };
  entry(rec: R, applied: { verdict: 'applied' | 'conflict'; before: S | undefined; after: S | undefined }): AuditEntry | undefined;
  /** A state as a snapshot holds it. */
  load(json: string): S;
  /** For a degraded entry: the client acted on, and the status the API answered. */
  target(rec: R): { client_id: string; status: number };
}

const folded = <R extends { id: string; time: string; meta: EventMeta }, S>(t: FoldedTopic<R, S>) => t as unknown as FoldedTopic;

/** clients.events first: audit.requests entries name their target client from its fold. */
export function foldedTopics(names: TopicNames): FoldedTopic[] {
  return [
    folded<ClientEventRecord, ClientState>({
      topic: names.clientEvents, label: 'clients.events', parse: parseClientEventRecord, subject: (r) => r.event.client_id,
      fold: (before, r) => applyClientEvent(before, r.event, r.time), entry: entryFromClientEvent, load: (json) => ClientStateSchema.parse(JSON.parse(json)),
      target: (r) => ({ client_id: r.event.client_id, status: CLIENT_EVENT_STATUS[r.event.type] }),
    }),
    folded<LogStreamEventRecord, LogStreamState>({
      topic: names.logStreamEvents, label: 'log-streams.events', parse: parseLogStreamEventRecord, subject: (r) => r.event.stream_id,
      fold: (before, r) => applyLogStreamEvent(before, r.event, r.time), entry: entryFromLogStreamEvent, load: (json) => LogStreamStateSchema.parse(JSON.parse(json)),
      target: (r) => ({ client_id: '', status: r.event.type === 'log_stream.deleted' ? 204 : 200 }),
    }),
    folded<TenantEventRecord, TenantResourceState>({
      topic: names.tenantEvents, label: 'tenant.events', parse: parseTenantEventRecord, subject: (r) => r.event.subject,
      fold: (before, r) => applyTenantEvent(before, r.event, r.time), entry: entryFromTenantEvent, load: (json) => TenantResourceStateSchema.parse(JSON.parse(json)),
      target: (r) => ({ client_id: r.event.type === 'client_grant.created' ? r.event.data.client_id : '', status: TENANT_EVENT_STATUS[r.event.type] }),
    }),
  ];
}
