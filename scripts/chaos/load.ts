// The write and read load a fault is injected under: creates, patches, rotate-secrets and deletes
// at a modest rate, one action per client at a time, plus reads. Every request carries a user
// agent of its own, which its audit entry carries too: that is how an action is found afterwards
// in ClickHouse and at a log stream receiver.
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

export type Phase = 'before' | 'fault' | 'after';
export type Kind = 'create' | 'patch' | 'rotate' | 'delete' | 'read';
export const WRITE_KINDS = ['create', 'patch', 'rotate', 'delete'] as const;

export interface Outcome {
  id: number;
  /** The request's user agent: the action's identity in the audit trail. */
  identity: string;
  kind: Kind;
  phase: Phase;
  clientId: string | undefined;
  /** What a write set: a patch's description, a rotation's new secret (from its answer). */
  value?: string;
  status: number | 'no answer';
  ms: number;
  retryAfter: string | null;
  stale: string | null;
  errorCode?: string;
}

export interface LoadTarget {
  /** Read at each request: a restarted process may answer on another origin. */
  origin(): string;
  token: string;
}

export interface Load {
  readonly outcomes: readonly Outcome[];
  /** Clients created and not (acknowledged) deleted. */
  readonly live: readonly string[];
  /** Marks the requests started from now on; one straddling a change counts as during the fault. */
  setPhase(phase: Phase): void;
  stop(): Promise<void>;
}

export const acknowledged = (o: Outcome): boolean => o.kind !== 'read' && typeof o.status === 'number' && o.status >= 200 && o.status < 300;

/** Starts two writers and a reader against the target; they run until stop(). */
export function startLoad(target: LoadTarget, opts: { identityPrefix: string; requestTimeoutMs?: number; pauseMs?: number }): Load {
  let phase: Phase = 'before';
  let running = true;
  let nextId = 0;
  const outcomes: Outcome[] = [];
  const live: string[] = [];
  const busy = new Set<string>();
  const pauseMs = opts.pauseMs ?? 100;

  async function call(kind: Kind, method: string, path: string, clientId: string | undefined, body?: unknown, value?: string): Promise<Outcome & { body: unknown }> {
    const id = nextId++;
    const identity = `${opts.identityPrefix}/${id}`;
    const startedPhase = phase;
    const started = performance.now();
    let status: number | 'no answer' = 'no answer';
    let parsed: unknown;
    let headers: Headers | undefined;
    try {
      const res = await fetch(`${target.origin()}${path}`, {
        method,
        headers: { authorization: `Bearer ${target.token}`, 'user-agent': identity, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(opts.requestTimeoutMs ?? 30_000),
      });
      status = res.status;
      headers = res.headers;
      const text = await res.text();
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // No answer (refused, reset by a crash, or not within the timeout): recorded as such.
    }
    const outcome: Outcome = {
      id,
      identity,
      kind,
      phase: startedPhase === phase ? phase : 'fault',
      clientId,
      ...(value === undefined ? {} : { value }),
      status,
      ms: performance.now() - started,
      retryAfter: headers?.get('retry-after') ?? null,
      stale: headers?.get('x-apptrail-stale') ?? null,
      ...(typeof (parsed as { errorCode?: unknown })?.errorCode === 'string' ? { errorCode: (parsed as { errorCode: string }).errorCode } : {}),
    };
    outcomes.push(outcome);
    return { ...outcome, body: parsed };
  }

  async function writer(): Promise<void> {
    while (running) {
      const idle = live.filter((c) => !busy.has(c));
      const roll = Math.random();
      if (idle.length < 3 || roll < 0.4) {
        const res = await call('create', 'POST', '/api/v2/clients', undefined, { name: `chaos-${nextId}` });
        if (res.status === 201) {
          const created = (res.body as { client_id: string }).client_id;
          const i = outcomes.findIndex((o) => o.id === res.id);
          outcomes[i] = { ...outcomes[i]!, clientId: created };
          live.push(created);
        }
      } else {
        const target = idle[Math.floor(Math.random() * idle.length)]!;
        busy.add(target);
        if (roll < 0.7) {
          const value = `v-${randomUUID().slice(0, 8)}`;
          await call('patch', 'PATCH', `/api/v2/clients/${target}`, target, { description: value }, value);
        } else if (roll < 0.85) {
          const res = await call('rotate', 'POST', `/api/v2/clients/${target}/rotate-secret`, target);
          const secret = (res.body as { client_secret?: unknown } | undefined)?.client_secret;
          if (res.status === 200 && typeof secret === 'string') {
            const i = outcomes.findIndex((o) => o.id === res.id);
            outcomes[i] = { ...outcomes[i]!, value: secret };
          }
        } else {
          const res = await call('delete', 'DELETE', `/api/v2/clients/${target}`, target);
          if (res.status === 204) live.splice(live.indexOf(target), 1);
        }
        busy.delete(target);
      }
      await delay(pauseMs);
    }
  }

  async function reader(): Promise<void> {
    while (running) {
      await call('read', 'GET', '/api/v2/clients?per_page=5', undefined);
      const one = live[0];
      if (one) await call('read', 'GET', `/api/v2/clients/${one}`, one);
      await call('read', 'GET', '/api/v2/log-streams', undefined);
      await delay(pauseMs * 2.5);
    }
  }

  const all = Promise.all([writer(), writer(), reader()]);
  return {
    outcomes,
    live,
    setPhase: (p) => { phase = p; },
    stop: async () => {
      running = false;
      await all;
    },
  };
}
