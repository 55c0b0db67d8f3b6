import { z } from 'zod';

/**
 * The claims apptrail reads from an access token. Auth0 puts scopes in `scope` (space separated);
 * RBAC-enabled APIs also send `permissions`. `azp` (or `client_id`) names the calling application.
 */
export const AccessTokenClaimsSchema = z.looseObject({
  sub: z.string().min(1),
  scope: z.string().optional(),
  permissions: z.array(z.string()).optional(),
  azp: z.string().optional(),
  client_id: z.string().optional(),
  name: z.string().optional(),
  gty: z.string().optional(),
});

export interface Principal {
  sub: string;
  clientId: string;
  name: string;
  scopes: ReadonlySet<string>;
}

export function toPrincipal(claims: z.infer<typeof AccessTokenClaimsSchema>): Principal {
  const scopes = new Set([...(claims.scope?.split(' ') ?? []), ...(claims.permissions ?? [])].filter(Boolean));
  // Auth0's client-credentials tokens carry sub "<client_id>@clients"; azp names the app either way.
  const clientId = claims.azp ?? claims.client_id ?? (claims.sub.endsWith('@clients') ? claims.sub.slice(0, -'@clients'.length) : '');
  return { sub: claims.sub, clientId, name: claims.name ?? '', scopes };
}
