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
} from '../../../shared/clients/index.js';
import type { SecretBox } from '../../../shared/crypto/secret-box.js';
import { Auth0Error, conflict } from '../../../shared/errors/auth0-error.js';
import type { EventProducer } from '../../../shared/kafka/index.js';
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
  applyTimeoutMs?: number;
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
  const applyTimeoutMs = deps.applyTimeoutMs ?? 10_000;
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

  async function append(event: ClientEvent, meta: EventMeta) {
    const { record, id } = toClientEventRecord(event, meta);
    const applied = deps.projection.expect(id, applyTimeoutMs);
    try {
      await deps.producer.send(deps.topic, record);
    } catch (err) {
      deps.projection.forget(id);
      throw new Auth0Error(503, 'The event log is unavailable; the command was not accepted. Retry later.', 'temporarily_unavailable', { cause: err });
    }
    return applied;
  }

  async function decideAndAppend(clientId: string, decide: (state: ClientState | undefined) => ClientEvent, meta: EventMeta): Promise<ClientState | undefined> {
    return inLane(clientId, async () => {
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const event = decide(deps.projection.store.get(clientId));
        const result = await append(event, meta);
        if (result.verdict === 'applied') return result.after;
        deps.log.debug({ clientId, attempt, type: event.type }, 'command lost a race; re-deciding on fresh state');
      }
      throw conflict(`The client was modified concurrently ${maxAttempts} times; retry the request`);
    });
  }

  return {
    async create(input: ClientCreate, meta: EventMeta): Promise<ClientState> {
      const clientId = generateClientId();
      const secrets = {
        clientId,
        secretSealed: deps.box.seal(generateClientSecret()),
        ...(input.encryption_key ? { encryptionKeySealed: deps.box.seal(JSON.stringify(input.encryption_key)) } : {}),
      };
      const state = await decideAndAppend(clientId, () => decideCreate(input, secrets), meta);
      return state!;
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
