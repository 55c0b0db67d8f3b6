/**
 * Auth0-style descriptions of Management API operations ("Create a client"), from the method and
 * the path. Auth0's own sapi entries carry these texts.
 */
const OPERATIONS: Array<[method: string, path: RegExp, description: string]> = [
  ['POST', /^\/api\/v2\/clients\/?$/, 'Create a client'],
  ['GET', /^\/api\/v2\/clients\/?$/, 'Get clients'],
  ['GET', /^\/api\/v2\/clients\/[^/]+\/?$/, 'Get a client'],
  ['PATCH', /^\/api\/v2\/clients\/[^/]+\/?$/, 'Update a client'],
  ['DELETE', /^\/api\/v2\/clients\/[^/]+\/?$/, 'Delete a client'],
  ['POST', /^\/api\/v2\/clients\/[^/]+\/rotate-secret\/?$/, 'Rotate a client secret'],
  ['POST', /^\/api\/v2\/log-streams\/?$/, 'Create a log stream'],
  ['PATCH', /^\/api\/v2\/log-streams\/[^/]+\/?$/, 'Update a log stream'],
  ['DELETE', /^\/api\/v2\/log-streams\/[^/]+\/?$/, 'Delete a log stream'],
  ['POST', /^\/api\/v2\/resource-servers\/?$/, 'Create a resource server'],
  ['PATCH', /^\/api\/v2\/resource-servers\/[^/]+\/?$/, 'Update a resource server'],
  ['DELETE', /^\/api\/v2\/resource-servers\/[^/]+\/?$/, 'Delete a resource server'],
  ['POST', /^\/api\/v2\/client-grants\/?$/, 'Create client grant'],
  ['PATCH', /^\/api\/v2\/client-grants\/[^/]+\/?$/, 'Update client grant'],
  ['DELETE', /^\/api\/v2\/client-grants\/[^/]+\/?$/, 'Delete client grant'],
  ['PATCH', /^\/api\/v2\/tenants\/settings\/?$/, 'Update tenant settings'],
  ['POST', /^\/api\/v2\/keys\/signing\/rotate\/?$/, 'Rotate the Application Signing Key'],
  ['PUT', /^\/api\/v2\/keys\/signing\/[^/]+\/revoke\/?$/, 'Revoke an Application Signing Key by its key id'],
  ['POST', /^\/oidc\/register\/?$/, 'Dynamic Client Registration'],
  ['GET', /^\/oidc\/register\/[^/]+\/?$/, 'Read a client registration'],
  ['PUT', /^\/oidc\/register\/[^/]+\/?$/, 'Update a client registration'],
  ['DELETE', /^\/oidc\/register\/[^/]+\/?$/, 'Delete a client registration'],
];

export function describeOperation(method: string, path: string): string {
  const upper = method.toUpperCase();
  return OPERATIONS.find(([m, p]) => m === upper && p.test(path))?.[2] ?? `${upper} ${path}`;
}

/** The client a /api/v2/clients/{id}… path is about, if any. */
export function targetClientOf(path: string): string {
  return /^\/(?:api\/v2\/clients|oidc\/register)\/([^/?]+)/.exec(path)?.[1] ?? '';
}
