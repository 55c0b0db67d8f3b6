import type { Logger } from '../log/index.js';

type Closer = { name: string; close: () => Promise<void> | void };

/** Signals closer together than this are one Ctrl-C delivered twice. */
const DUPLICATE_SIGNAL_MS = 1_000;

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
    /**
     * Installs the signal handlers; a second signal exits at once. Ctrl-C reaches this process
     * twice (the terminal signals the whole foreground group, and tsx relays it again): a repeat
     * within a second is that one keypress, and must not cut short the graceful stop, or the
     * consumers never leave their groups and the next start waits out their sessions.
     */
    listen() {
      let firstAt = 0;
      for (const sig of ['SIGINT', 'SIGTERM'] as const) {
        process.on(sig, () => {
          if (firstAt === 0) {
            firstAt = Date.now();
            void shutdown(sig).then(() => process.exit(0));
            return;
          }
          if (Date.now() - firstAt < DUPLICATE_SIGNAL_MS) return;
          process.exit(130);
        });
      }
    },
  };
}
export type Shutdown = ReturnType<typeof createShutdown>;
