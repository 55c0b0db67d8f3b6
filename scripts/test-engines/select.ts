/**
 * Which Kafka and which ClickHouse a test run uses. Pure: the Docker probe's answer comes in, the
 * plan and the line the harness prints come out, so every combination is unit-tested without Docker.
 *
 * Precedence per engine: an explicit address (KAFKA_BROKERS, TEST_CLICKHOUSE_URL) wins; else
 * testcontainers when a Docker engine answers (TEST_CONTAINERS=0 forbids, =1 requires it); else
 * the local broker from the official jars and chDB in process, exactly as before testcontainers.
 */

/** TEST_CONTAINERS: unset = use Docker when it answers, '0' = never, '1' = required. */
export type ContainersOverride = 'auto' | 'never' | 'required';

export function parseContainersOverride(value: string | undefined): ContainersOverride {
  const v = value?.trim() ?? '';
  if (v === '') return 'auto';
  if (v === '0') return 'never';
  if (v === '1') return 'required';
  throw new Error(`TEST_CONTAINERS=${JSON.stringify(value)}: expected 0 (local broker and chDB), 1 (Docker required) or unset (Docker when it answers)`);
}

export interface EngineInputs {
  override: ContainersOverride;
  /** False when only unit tests run: they use neither Kafka nor ClickHouse. */
  needsEngines: boolean;
  kafkaGiven: boolean;
  clickhouseGiven: boolean;
}

/** The probe is skipped when its answer could not change the plan (it loads dockerode). */
export function needsDockerProbe(inputs: EngineInputs): boolean {
  return inputs.needsEngines && inputs.override !== 'never' && !(inputs.kafkaGiven && inputs.clickhouseGiven);
}

export type DockerAnswer = { answers: true } | { answers: false; why: string };

export type KafkaChoice = 'given' | 'container' | 'local';
export type ClickHouseChoice = 'given' | 'container' | 'embedded';

export type EnginePlan =
  | { ok: true; kafka: KafkaChoice; clickhouse: ClickHouseChoice; /** Why not containers, when they were possible. */ localBecause?: string }
  | { ok: false; error: string };

/** `docker` is required exactly when needsDockerProbe(inputs) is true. */
export function planEngines(inputs: EngineInputs, docker?: DockerAnswer): EnginePlan {
  if (!inputs.needsEngines) return { ok: true, kafka: 'local', clickhouse: 'embedded' };
  const given = { kafka: inputs.kafkaGiven ? 'given' as const : undefined, clickhouse: inputs.clickhouseGiven ? 'given' as const : undefined };
  if (!inputs.kafkaGiven || !inputs.clickhouseGiven) {
    if (inputs.override === 'never') {
      return { ok: true, kafka: given.kafka ?? 'local', clickhouse: given.clickhouse ?? 'embedded', localBecause: 'TEST_CONTAINERS=0' };
    }
  } else {
    return { ok: true, kafka: 'given', clickhouse: 'given' };
  }
  if (docker === undefined) throw new Error('planEngines: the Docker probe is needed for this plan');
  if (docker.answers) return { ok: true, kafka: given.kafka ?? 'container', clickhouse: given.clickhouse ?? 'container' };
  if (inputs.override === 'required') {
    return { ok: false, error: `TEST_CONTAINERS=1 but no Docker engine answered (${docker.why}); start Docker, or unset TEST_CONTAINERS to use the local broker and chDB` };
  }
  return { ok: true, kafka: given.kafka ?? 'local', clickhouse: given.clickhouse ?? 'embedded', localBecause: `no Docker engine answered: ${docker.why}` };
}

export interface PlanDetails {
  kafkaImage: string;
  clickhouseImage: string;
  kafkaBrokers?: string;
  clickhouseUrl?: string;
}

/** The one line a run prints, so a log says which engines the results are about. */
export function describePlan(plan: EnginePlan & { ok: true }, details: PlanDetails): string {
  // The reason is told once, after the first engine that fell back to the local one.
  const because = plan.localBecause ? ` (${plan.localBecause})` : '';
  const kafka = {
    given: `KAFKA_BROKERS ${details.kafkaBrokers ?? ''}`.trim(),
    container: `testcontainers ${details.kafkaImage}`,
    local: `local broker${because}`,
  }[plan.kafka];
  const clickhouse = {
    given: `server at TEST_CLICKHOUSE_URL ${details.clickhouseUrl ?? ''}`.trim(),
    container: `testcontainers ${details.clickhouseImage}`,
    embedded: `chDB in process${plan.kafka === 'local' ? '' : because}`,
  }[plan.clickhouse];
  return `test: kafka = ${kafka} · clickhouse = ${clickhouse}`;
}
