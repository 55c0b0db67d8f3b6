// The three faults, each injected mid-load into a running ChaosSystem and then checked: what was
// acknowledged must be in the state, in ClickHouse and at the log stream receiver, once.
import { setTimeout as delay } from 'node:timers/promises';
import { acknowledged, startLoad, type Load, type Outcome } from './load.js';
import type { ChaosSystem } from './system.js';
import { atReceiver, entriesInClickHouse, verify, within, type Figures } from './verify.js';

export type ScenarioName = 'crash' | 'broker-outage' | 'sink-outage';

export interface Timing {
  /** Load before the fault. */
  warmupMs: number;
  /** How long the dependency stays down (crash: unused, the restart takes what it takes). */
  faultMs: number;
  /** Load after recovery. */
  afterMs: number;
  /** Bound on each wait: recovery, and each place an action must reach. */
  settleTimeoutMs: number;
}

export interface ScenarioResult {
  name: ScenarioName;
  fault: string;
  outcomes: readonly Outcome[];
  figures: Figures;
  /** How long the fault lasted (crash: from the kill until the new process was ready). */
  faultMs: number;
  /** From the fault's end until writes were acknowledged again (sink: until the receiver had caught up); undefined if never. */
  recoveryMs: number | undefined;
  /**
   * From the fault's end until the first write acknowledged after it was queryable in ClickHouse:
   * the audit trail flowing again (after a crash, the time the restarted consumer groups take).
   */
  trailMs: number | undefined;
  /** /readyz answers sampled during the fault. */
  readiness: number[];
  /** The app process answered throughout (not checked for crash, which kills it). */
  appAlive: boolean;
  deadLetters: number | undefined;
  violations: string[];
}

/** A status histogram, `201×12 503×40`. */
export function statuses(list: readonly Pick<Outcome, 'status'>[]): string {
  const counts = new Map<string, number>();
  for (const o of list) counts.set(String(o.status), (counts.get(String(o.status)) ?? 0) + 1);
  return [...counts].sort().map(([s, n]) => `${s}×${n}`).join(' ') || '-';
}

interface FaultReport {
  readiness: number[];
  appAlive: boolean;
}

/** Runs the load, the fault (which resolves when the dependency is back), recovery and the checks. */
async function run(sys: ChaosSystem, name: ScenarioName, description: string, timing: Timing, fault: (load: Load) => Promise<FaultReport>, recovered: (load: Load, faultEnd: number) => Promise<number | undefined>): Promise<ScenarioResult> {
  const deadBefore = await sys.deadLetters();
  const load = startLoad({ origin: sys.origin, token: sys.token }, { identityPrefix: `apptrail-chaos/${sys.runId}/${name}` });
  let report: FaultReport;
  let faultMs: number;
  let recoveryMs: number | undefined;
  let trailMs: number | undefined;
  try {
    await delay(timing.warmupMs);
    load.setPhase('fault');
    const faultStart = Date.now();
    report = await fault(load);
    const faultEnd = Date.now();
    faultMs = faultEnd - faultStart;
    load.setPhase('after');
    const at = await recovered(load, faultEnd);
    recoveryMs = at === undefined ? undefined : at - faultEnd;
    trailMs = await trailFlowing(sys, load, name, timing, faultEnd);
    await delay(timing.afterMs);
  } finally {
    await load.stop();
  }
  const figures: Figures = await verify({ api: { origin: sys.origin, token: sys.token }, receiver: sys.receiver, outcomes: load.outcomes, asIdentity: `apptrail-chaos/${sys.runId}/${name}/verify`, timeoutMs: timing.settleTimeoutMs });
  const deadAfter = await sys.deadLetters();
  const deadLetters = deadBefore === undefined || deadAfter === undefined ? undefined : deadAfter - deadBefore;

  const violations: string[] = [];
  const add = (what: string, list: readonly string[]) => { if (list.length > 0) violations.push(`${what}: ${list.length} (${list.slice(0, 5).join('; ')}${list.length > 5 ? '; …' : ''})`); };
  add('acknowledged but missing from the state', figures.stateMissing);
  add('acknowledged but missing from ClickHouse', figures.clickhouse.missing);
  add('duplicated in ClickHouse', figures.clickhouse.duplicated);
  add('never reached the log stream', figures.receiver.missing);
  add('more than one distinct entry at the receiver', figures.receiver.duplicated);
  const answered = load.outcomes.filter((o) => !(name === 'crash' && o.phase === 'fault'));
  add('no answer', answered.filter((o) => o.status === 'no answer').map((o) => `${o.kind} ${o.phase}`));
  add('5xx other than 503', load.outcomes.filter((o) => typeof o.status === 'number' && o.status >= 500 && o.status !== 503).map((o) => `${o.kind} ${o.status}`));
  add('503 without Retry-After', load.outcomes.filter((o) => o.status === 503 && !(Number(o.retryAfter) > 0)).map((o) => `${o.kind} ${o.phase}`));
  if (!report.appAlive) violations.push('the app process died during the fault');
  if (recoveryMs === undefined) violations.push(`did not recover within ${timing.settleTimeoutMs / 1000}s`);
  if (trailMs === undefined) violations.push(`the audit trail did not flow again within ${timing.settleTimeoutMs / 1000}s`);
  if (deadLetters === undefined) violations.push('the log stream health did not answer');
  else if (deadLetters > 0) violations.push(`${deadLetters} entries dead-lettered`);
  return { name, fault: description, outcomes: load.outcomes, figures, faultMs, recoveryMs, trailMs, readiness: report.readiness, appAlive: report.appAlive, deadLetters, violations };
}

/** Milliseconds from faultEnd until the first write acknowledged after the fault is in ClickHouse. */
async function trailFlowing(sys: ChaosSystem, load: Load, name: ScenarioName, timing: Timing, faultEnd: number): Promise<number | undefined> {
  const api = { origin: sys.origin, token: sys.token };
  const at = await within(timing.settleTimeoutMs, async () => {
    const first = load.outcomes.find((o) => o.phase === 'after' && acknowledged(o) && o.kind !== 'read');
    if (!first) return undefined;
    const found = await entriesInClickHouse(api, [first.identity], `apptrail-chaos/${sys.runId}/${name}/trail`);
    return found.length > 0 ? Date.now() : undefined;
  });
  return at === undefined ? undefined : at - faultEnd;
}

/** Time the first write started after the fault's end was acknowledged, and at least `count` were. */
function writesAcknowledgedAgain(timing: Timing, count = 1) {
  return async (load: Load): Promise<number | undefined> => {
    let first: number | undefined;
    const ok = await within(timing.settleTimeoutMs, () => {
      const after = load.outcomes.filter((o) => o.phase === 'after' && acknowledged(o));
      if (after.length > 0) first ??= Date.now();
      return after.length >= count ? true : undefined;
    });
    return ok ? first : undefined;
  };
}

/** Samples /readyz and the process while the fault lasts. */
async function watch(sys: ChaosSystem, ms: number): Promise<FaultReport> {
  const readiness: number[] = [];
  let appAlive = true;
  const until = Date.now() + ms;
  while (Date.now() < until) {
    readiness.push(await sys.readiness());
    appAlive &&= sys.app().alive();
    await delay(Math.min(2_000, Math.max(0, until - Date.now())));
  }
  return { readiness, appAlive: appAlive && sys.app().alive() };
}

/** SIGKILL the app mid-load, restart it on the same DATA_DIR, port and broker, continue. */
export function crash(sys: ChaosSystem, timing: Timing): Promise<ScenarioResult> {
  return run(sys, 'crash', 'SIGKILL the app, restart it', timing, async () => {
    await sys.app().kill('SIGKILL');
    const readiness = [await sys.readiness()];
    await sys.restartApp();
    return { readiness, appAlive: true };
  }, writesAcknowledgedAgain(timing));
}

/** SIGKILL the broker JVM mid-load, keep it down, restart it on the same port and data. */
export function brokerOutage(sys: ChaosSystem, timing: Timing): Promise<ScenarioResult> {
  const broker = sys.broker;
  if (!broker) throw new Error('the broker outage needs a system that started its own broker');
  return run(sys, 'broker-outage', `SIGKILL the broker, ${timing.faultMs / 1000}s down`, timing, async () => {
    broker.kill();
    const report = await watch(sys, timing.faultMs);
    await broker.restart();
    return report;
  }, writesAcknowledgedAgain(timing, 10));
}

/** The receiver answers 503, then refuses connections, then comes back; every entry must arrive. */
export function sinkOutage(sys: ChaosSystem, timing: Timing): Promise<ScenarioResult> {
  const { receiver } = sys;
  return run(sys, 'sink-outage', `receiver 503 then closed, ${timing.faultMs / 1000}s`, timing, async () => {
    receiver.failAll({ status: 503 });
    const answering = await watch(sys, timing.faultMs / 2);
    receiver.failAll(undefined);
    await receiver.refuseConnections();
    try {
      const refusing = await watch(sys, timing.faultMs / 2);
      return { readiness: [...answering.readiness, ...refusing.readiness], appAlive: answering.appAlive && refusing.appAlive };
    } finally {
      await receiver.acceptConnections();
    }
  }, async (load) => {
    // Caught up: every entry of what was acknowledged until the sink came back has arrived.
    const before = load.outcomes.filter((o) => o.phase !== 'after' && acknowledged(o)).map((o) => o.identity);
    const ok = await within(timing.settleTimeoutMs, () => (atReceiver(receiver, before).missing.length === 0 ? true : undefined));
    return ok ? Date.now() : undefined;
  });
}
