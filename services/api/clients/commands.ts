import {
  decideCreate,
  decideDelete,
  decideRotate,
  decideUpdate,
  generateClientId,
  generateClientSecret,
  toClientEventRecord,
  type ClientCreate,
  type ClientEvent,
  type ClientState,
  type ClientUpdate,
  type EventMeta,
  apply,
  type Applied,
} from '../../../shared/clients/index.js';
import type { SecretBox } from '../../../shared/crypto/secret-box.js';
import { conflict } from '../../../shared/errors/auth0-error.js';
import { appendDecided, WRITE_DEADLINE_MS, type EventProducer } from '../../../shared/kafka/index.js';
import type { Logger } from '../../../shared/log/index.js';
import type { ClientProjection } from './projection.js';

export interface CommandDeps {
  projection: ClientProjection;
  producer: EventProducer;
  topic: string;
  box: SecretBox;
  log: Logger;
  /** How many times a command is re-decided on fresh state after losing a race. */
  maxAttempts?: number;
  /** Send and read-your-writes wait of one command together; past it the answer is 503. */
  deadlineMs?: number;
}

/**
 * Decides commands on the projection, appends the event with the version it was decided on, and
 * answers once the projection applied it. Commands on one client are serialised within this
 * instance, so only commands from OTHER instances can race; a lost race (verdict "conflict") is
 * re-decided on the fresh state, and 409 is the answer only when that keeps happening.
 */
export function createClientCommands(deps: CommandDeps) {
  // Between two instances each round is a fair race (both re-decide the moment the winner's event
  // is applied), so losing 25 in a row is a ~3e-8 event; a jittered wait would only make the
  // loser lose again to the winner's next command.
  const maxAttempts = deps.maxAttempts ?? 25;
  const deadlineMs = deps.deadlineMs ?? WRITE_DEADLINE_MS;
  const lanes = new Map<string, Promise<unknown>>();

  function inLane<T>(clientId: string, work: () => Promise<T>): Promise<T> {
    const previous = lanes.get(clientId) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(work);
    lanes.set(clientId, current);
    void current.finally(() => {
      if (lanes.get(clientId) === current) lanes.delete(clientId);
    }).catch(() => undefined);
    return current;
  }

  /**
   * `settleNew`: the client id is new (a create), so it has no history and no rival; once its event
   * is on the log, the fold of that one event from nothing is the state every reader will reach.
   * A create acknowledged by Kafka but not yet applied here is then answered 201 from the event,
   * not 503 (which would make the caller retry and create a second client).
   */
  async function decideAndAppend(
    clientId: string,
    decide: (state: ClientState | undefined) => ClientEvent,
    meta: EventMeta,
    opts: { settleNew?: boolean; attempts?: number } = {},
  ): Promise<ClientState | undefined> {
    // The deadline starts now: time spent queued behind this client's previous command counts.
    const deadlineAt = Date.now() + deadlineMs;
    return inLane(clientId, async () => {
      const attempts = opts.attempts ?? maxAttempts;
      for (let attempt = 1; attempt <= attempts; attempt++) {
        const event = decide(deps.projection.store.get(clientId));
        const built = toClientEventRecord(event, meta);
        const result: Applied = await appendDecided(deps, built, deadlineAt, opts.settleNew ? () => {
          deps.log.warn({ clientId, eventId: built.id, type: event.type }, 'event acknowledged but not applied in time; answering from the event itself');
          const folded = apply(undefined, event, built.time);
          return { verdict: folded.verdict, before: undefined, after: folded.state };
        } : undefined);
        if (result.verdict === 'applied') return result.after;
        deps.log.debug({ clientId, attempt, type: event.type }, 'command lost a race; re-deciding on fresh state');
      }
      throw conflict(`The client was modified concurrently ${attempts} times; retry the request`);
    });
  }

  return {
    /** The new client, and its secret in clear for the answer (the caller has just had it made). */
    async create(input: ClientCreate, meta: EventMeta, opts: CreateOptions = {}): Promise<{ state: ClientState; clientSecret: string }> {
      const clientId = opts.clientId ?? generateClientId();
      const clientSecret = generateClientSecret();
      const secrets = {
        clientId,
        secretSealed: deps.box.seal(clientSecret),
        ...(input.encryption_key ? { encryptionKeySealed: deps.box.seal(JSON.stringify(input.encryption_key)) } : {}),
      };
      // A chosen id may be raced for (two instances bootstrapping): one attempt, the loser gets the
      // 409, and only the event that took effect answers (never settled from our own event).
      const state = await decideAndAppend(clientId, () => decideCreate(input, secrets), meta, opts.clientId === undefined ? { settleNew: true } : { attempts: 1 });
      return { state: state!, clientSecret };
    },

    async update(clientId: string, patch: ClientUpdate, meta: EventMeta): Promise<ClientState> {
      const secrets = {
        ...(patch.client_secret === undefined ? {} : { secretSealed: deps.box.seal(patch.client_secret) }),
        ...(patch.encryption_key === undefined ? {} : { encryptionKeySealed: patch.encryption_key === null ? null : deps.box.seal(JSON.stringify(patch.encryption_key)) }),
      };
      return (await decideAndAppend(clientId, (state) => decideUpdate(state, patch, secrets), meta))!;
    },

    async remove(clientId: string, meta: EventMeta): Promise<void> {
      await decideAndAppend(clientId, (state) => decideDelete(state), meta);
    },

    async rotateSecret(clientId: string, meta: EventMeta): Promise<ClientState> {
      // A new secret per attempt is unnecessary: only the winning event's sealed value is kept.
      const secretSealed = deps.box.seal(generateClientSecret());
      return (await decideAndAppend(clientId, (state) => decideRotate(state, { secretSealed }), meta))!;
    },
  };
}
export type ClientCommands = ReturnType<typeof createClientCommands>;

export interface CreateOptions {
  /** A deterministic id instead of a random one (the bootstrap client); a second create of it is a 409. */
  clientId?: string;
}
