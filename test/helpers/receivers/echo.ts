// A sink that quotes back what it was sent, the way careless error pages and proxies do: the
// Authorization and API-key headers, the request path, each also base64- and URL-encoded, in its
// answer body and headers. For tests that no credential survives in what apptrail stores or shows.
import { header, startReceiver, type Receiver, type Verdict } from './core.js';

export interface EchoReceiverOptions {
  /** Answer for every request: 400 dead-letters an entry, 401 suspends the stream. */
  status: number;
}

function echoes(value: string): string[] {
  return [value, Buffer.from(value).toString('base64'), encodeURIComponent(value), JSON.stringify(value)];
}

export function startEchoReceiver(options: EchoReceiverOptions): Promise<Receiver> {
  const echo = (req: { path: string; headers: Parameters<typeof header>[0] }): Verdict => {
    const quoted = [header(req.headers, 'authorization'), header(req.headers, 'dd-api-key'), req.path]
      .filter((v): v is string => v !== undefined)
      .flatMap((v) => [...echoes(v), ...echoes(v.replace(/^\S+\s+/, ''))]);
    return {
      status: options.status,
      headers: { 'x-echo': quoted.map((q) => encodeURIComponent(q)).join(','), 'www-authenticate': `Bearer error="invalid_token" token="${quoted[0] ?? ''}"` },
      body: { error: 'refused', you_sent: quoted },
    };
  };
  return startReceiver({
    encodings: ['gzip', 'deflate'],
    maxBytes: 5_000_000,
    tooLarge: () => ({ status: 413 }),
    unsupportedEncoding: () => ({ status: 415 }),
    badEncoding: () => ({ status: 400 }),
    failureBody: () => undefined,
    authorize: () => undefined,
    handle: echo,
  });
}
