import { z } from 'zod';

export interface EndpointPolicy {
  allowInsecureLoopback?: boolean;
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/** Why `url` may not receive audit data, or undefined when it may. */
export function endpointProblem(url: URL, policy: EndpointPolicy = {}): string | undefined {
  if (url.username !== '' || url.password !== '') return 'must not embed credentials; use the authorization field';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && policy.allowInsecureLoopback === true && isLoopbackHost(url.hostname)) return undefined;
  return 'must use https://';
}

/** An absolute https URL (Auth0 requires https for every sink endpoint). */
export function endpointUrl(policy: EndpointPolicy = {}) {
  return z.string().superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute URL' });
      return;
    }
    const problem = endpointProblem(url, policy);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** Throws when a config that skipped validation (e.g. read back from Kafka) points somewhere unsafe. */
export function assertEndpoint(url: URL, policy: EndpointPolicy): URL {
  const problem = endpointProblem(url, policy);
  if (problem !== undefined) throw new Error(`sink endpoint ${url.origin} ${problem}`);
  return url;
}
