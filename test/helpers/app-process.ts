import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { SignJWT } from 'jose';
import { SCOPES } from '../../shared/auth/index.js';

/** A free loopback port whose neighbour (port + 1, a local broker's controller) is free too. */
export async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await listenOnce(0);
    if (port < 65535 && (await listenOnce(port + 1).then(() => true, () => false))) return port;
  }
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => resolve(bound));
    });
  });
}

export interface AppProcess {
  child: ChildProcess;
  origin: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  alive(): boolean;
  /** Sends the signal (SIGKILL by default) and resolves once the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  token(scope?: string): Promise<string>;
}

/**
 * `services/main.ts` as a child process (what `npm start` runs), on loopback, with a known signing
 * secret. ClickHouse is chDB under DATA_DIR unless `env` carries childClickHouseEnv(...).env
 * (clickhouse-target.ts), as callers pass under a harness that provides a server.
 */
export function startAppProcess(env: Record<string, string>): AppProcess {
  const signingSecret = 'outage-test-signing-secret-0123456789abcdef';
  const audience = 'http://127.0.0.1/api/v2/';
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/main.ts'], {
    env: { ...process.env, HOST: '127.0.0.1', AUTH_SIGNING_SECRET: signingSecret, AUTH_AUDIENCE: audience, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const key = new TextEncoder().encode(signingSecret);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    origin: `http://127.0.0.1:${env.PORT}`,
    output: () => output,
    alive: () => child.exitCode === null && child.signalCode === null,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    token: (scope = SCOPES.join(' ')) =>
      new SignJWT({ scope, azp: 'outage-test', name: 'Outage Test' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('auth0|outage-test')
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(key),
  };
}
