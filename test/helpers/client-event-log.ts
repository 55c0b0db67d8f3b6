// Generated clients.events histories for pure fold tests: concurrent commands decided on stale
// states, rotations, deletes, late events for deleted clients, empty PATCHes and versions from
// the future. Each logged event carries an id, a time and the envelope's meta, as parsed records do.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  ClientStateStore, decideCreate, decideDelete, decideRotate, decideUpdate, type ClientEvent, type ClientEventRecord, type ClientState, type EventMeta,
} from '../../shared/clients/index.js';
import { createSecretBox } from '../../shared/crypto/secret-box.js';

export const LOG_CLIENT_IDS = ['c-a', 'c-b', 'c-c'];

export const arbLogOp = fc.record({
  client: fc.integer({ min: 0, max: LOG_CLIENT_IDS.length - 1 }),
  // How many versions behind the command was decided (0: current state): a race with another instance.
  staleness: fc.nat({ max: 3 }),
  kind: fc.constantFrom('create', 'name', 'description', 'callbacks', 'rotate', 'secret', 'delete', 'empty', 'ahead'),
  value: fc.string({ unit: 'grapheme', maxLength: 12 }),
});
export type LogOp = { client: number; staleness: number; kind: string; value: string };

export interface Logged {
  event: ClientEvent;
  at: string;
  offset: string;
  /** The record as a consumer parses it. */
  record: ClientEventRecord;
}

/** Sealed with a real box: a test scanning for `plainSecrets` finds them only if something opened them. */
const box = createSecretBox(randomBytes(32));

/** A log of events as API instances would have appended them, each decided on some past state. */
export function buildLog(ops: LogOp[]): { log: Logged[]; plainSecrets: string[] } {
  const history = new Map<string, Array<ClientState | undefined>>(LOG_CLIENT_IDS.map((id) => [id, [undefined]]));
  const current = new ClientStateStore();
  const log: Logged[] = [];
  const plainSecrets: string[] = [];
  const seal = () => {
    const plain = `plain-secret-${plainSecrets.length}-${randomBytes(6).toString('hex')}`;
    plainSecrets.push(plain);
    return box.seal(plain);
  };
  let t = Date.UTC(2026, 0, 1);
  for (const o of ops) {
    const id = LOG_CLIENT_IDS[o.client]!;
    const seen = history.get(id)!;
    const decidedOn = seen[Math.max(0, seen.length - 1 - o.staleness)];
    let event: ClientEvent;
    try {
      event =
        o.kind === 'create' ? decideCreate({ name: o.value || 'x' } as never, { clientId: id, secretSealed: seal() })
        : o.kind === 'name' ? decideUpdate(decidedOn, { name: o.value || 'y' })
        : o.kind === 'description' ? decideUpdate(decidedOn, { description: o.value })
        : o.kind === 'callbacks' ? decideUpdate(decidedOn, { callbacks: [`https://example.com/${log.length}`] })
        : o.kind === 'rotate' ? decideRotate(decidedOn, { secretSealed: seal() })
        : o.kind === 'secret' ? decideUpdate(decidedOn, { client_secret: 'set-by-patch-placeholder-long-enough' } as never, { secretSealed: seal() })
        // An empty PATCH, and one carrying a version from the future (conflicts when first met,
        // could apply when judged again later): the two cases a naive redelivery gets wrong.
        : o.kind === 'empty' ? decideUpdate(decidedOn, {})
        : o.kind === 'ahead' ? (() => { const e = decideUpdate(decidedOn, { description: o.value }); return { ...e, expected_version: e.expected_version + 1 }; })()
        : decideDelete(decidedOn);
    } catch {
      continue; // the API refused it (404 and the like): no event
    }
    t += 1000;
    const at = new Date(t).toISOString();
    const meta: EventMeta = {
      actor: `auth0|admin-${log.length % 2}`, actorclient: 'mgmt-app', actorname: 'Admin', requestid: `req-${log.length}`,
      ip: '127.0.0.1', useragent: 'test', method: 'PATCH', path: `/api/v2/clients/${id}`,
    };
    const record: ClientEventRecord = { id: `evt-${log.length}`, time: at, event, meta };
    log.push({ event, at, offset: String(log.length), record });
    const applied = current.apply(record);
    if (applied.verdict === 'applied') seen.push(applied.after);
  }
  return { log, plainSecrets };
}

/**
 * Calls `project(from, to)` over [0, length) in batches of the given sizes, redelivering where the
 * pattern says: the same batch again, then everything from the previous batch's start (a consumer
 * restarting from an older commit), as a projector meets them.
 */
export function inBatchesWithRedelivery(length: number, batchSizes: number[], redeliver: boolean[], project: (from: number, to: number) => void): void {
  let at = 0;
  let previous = 0;
  for (let i = 0; at < length; i++) {
    const size = batchSizes[i % batchSizes.length]!;
    project(at, at + size);
    if (redeliver[i % redeliver.length]) {
      project(at, at + size);
      project(previous, at + size);
    }
    previous = at;
    at += size;
  }
}
