// One run of auth0-log-extension-tools' LogsProcessor, in a process of its own: the library
// speaks https through superagent with no agent and no CA option, so the only way to make it
// trust the test certificate is Node's NODE_EXTRA_CA_CERTS, which is read at process start.
// stdin: {domain, stored}; stdout: {seen, result, stored, requests}.
import { createRequire } from 'node:module';
import { text } from 'node:stream/consumers';

export interface Stored { checkpointId?: string; logs_access_token?: { token: string; expiresAt: number } | null; logs?: unknown[] }
export interface RunResult { status: { logsProcessed: number; error?: unknown }; checkpoint: string | null }
export interface RunOutput { seen: Array<Record<string, unknown>>; result: RunResult; stored: Stored; requests: string[] }
interface LogsProcessor { run(handler: (logs: Array<Record<string, unknown>>, done: (err?: Error) => void) => void): Promise<RunResult> }
type LogsProcessorClass = new (storage: { read(): Promise<Stored>; write(data: Stored): Promise<void> }, options: Record<string, unknown>) => LogsProcessor;

// A CommonJS package without type declarations: the name used here is typed above.
const { LogsProcessor } = createRequire(import.meta.url)('auth0-log-extension-tools') as { LogsProcessor: LogsProcessorClass };

const input = JSON.parse(await text(process.stdin)) as { domain: string; stored: Stored };
let stored = input.stored;
const requests: string[] = [];
const seen: Array<Record<string, unknown>> = [];
const processor = new LogsProcessor(
  { read: async () => structuredClone(stored), write: async (data) => { stored = structuredClone(data); } },
  {
    domain: input.domain,
    // Required by its options check; unused while the storage's cached token is valid.
    clientId: 'log-export',
    clientSecret: 'unused',
    batchSize: 3,
    maxRunTimeSeconds: 30,
    logger: { debug: (...args: unknown[]) => { if (String(args[0]).startsWith('Requesting logs')) requests.push(String(args[0])); }, error: () => {} },
  },
);
const result = await processor.run((logs, done) => {
  seen.push(...logs);
  done();
});
if (result.status.error !== undefined) result.status.error = String(result.status.error);
process.stdout.write(JSON.stringify({ seen, result, stored, requests } satisfies RunOutput));
