export interface CheckResult {
  ok: boolean;
  detail?: string;
  latency_ms: number;
}

export type Check = () => Promise<void>;

/** Runs each dependency check with a deadline, so a hung dependency shows as not ready, fast. */
export async function runChecks(checks: Record<string, Check>, timeoutMs = 2000): Promise<{ ok: boolean; checks: Record<string, CheckResult> }> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
        ]);
        return [name, { ok: true, latency_ms: Math.round(performance.now() - started) }] as const;
      } catch (err) {
        return [name, { ok: false, detail: (err as Error).message, latency_ms: Math.round(performance.now() - started) }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ok: entries.every(([, r]) => r.ok), checks: Object.fromEntries(entries) };
}
