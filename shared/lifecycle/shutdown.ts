import type { Logger } from '../log/index.js';

type Closer = { name: string; close: () => Promise<void> | void };

/**
 * One place that owns SIGTERM/SIGINT for the process: closers run in reverse order of
 * registration (HTTP first, then consumers finish their batch and commit, then producers, then
 * the stores and the local broker), each bounded by the grace period.
 */
export function createShutdown(log: Logger, graceMs: number) {
  const closers: Closer[] = [];
  let closing: Promise<void> | undefined;

  async function shutdown(reason: string): Promise<void> {
    closing ??= (async () => {
      log.info({ reason }, 'shutting down');
      for (const c of [...closers].reverse()) {
        const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
        try {
          const result = await Promise.race([Promise.resolve(c.close()).then(() => 'ok' as const), timer]);
          if (result === 'timeout') log.warn({ closer: c.name, graceMs }, 'closer did not finish in time');
        } catch (err) {
          log.error({ err, closer: c.name }, 'closer failed');
        }
      }
      log.info('stopped');
    })();
    return closing;
  }

  return {
    add(name: string, close: Closer['close']) {
      closers.push({ name, close });
    },
    shutdown,
    /** Installs the signal handlers; a second signal exits at once. */
    listen() {
      for (const sig of ['SIGINT', 'SIGTERM'] as const) {
        process.once(sig, () => {
          process.once(sig, () => process.exit(130));
          void shutdown(sig).then(() => process.exit(0));
        });
      }
    },
  };
}
export type Shutdown = ReturnType<typeof createShutdown>;
