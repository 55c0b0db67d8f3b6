import type { z } from 'zod';
import type { ClientFieldName, clientFields } from './fields.js';

// Cross-field rules of a client configuration. They are checked three times with one definition:
// on the create body (after defaults), on a PATCH body (rules whose fields are all in the body),
// and on the merged result of a PATCH (rules touching a changed field), so one message per rule.

/** A client configuration as the rules see it: every field optional, null already dropped. */
export type RuleView = { [K in ClientFieldName]?: z.infer<(typeof clientFields)[K]> };

export interface RuleViolation {
  rule: string;
  path: (string | number)[];
  message: string;
}

interface ClientRule {
  name: string;
  /** The fields the rule reads; a PATCH body is checked only when it carries all of them. */
  fields: readonly ClientFieldName[];
  check(c: RuleView): Omit<RuleViolation, 'rule'> | undefined;
}

const STRICT_THIRD_PARTY_GRANTS = new Set(['authorization_code', 'refresh_token', 'client_credentials']);
const STRICT_THIRD_PARTY_APP_TYPES = new Set(['regular_web', 'spa', 'native', 'non_interactive']);

const isStrictThirdParty = (c: RuleView) => c.third_party_security_mode === 'strict' && c.is_first_party === false;
// jwt_configuration.alg defaults to RS256 (see defaults.ts), so absent means RS256.
const algOf = (c: RuleView) => c.jwt_configuration?.alg ?? 'RS256';

const RULES: readonly ClientRule[] = [
  {
    name: 'refresh_token_rotation_requires_expiration',
    fields: ['refresh_token'],
    check: ({ refresh_token: rt }) =>
      rt?.rotation_type === 'rotating' && rt.expiration_type !== 'expiring'
        ? { path: ['refresh_token', 'expiration_type'], message: "refresh_token.expiration_type must be 'expiring' when refresh_token.rotation_type is 'rotating'" }
        : undefined,
  },
  {
    name: 'refresh_token_idle_within_absolute',
    fields: ['refresh_token'],
    check: ({ refresh_token: rt }) =>
      rt?.expiration_type === 'expiring' && rt.infinite_token_lifetime !== true && rt.infinite_idle_token_lifetime !== true &&
      rt.token_lifetime !== undefined && rt.idle_token_lifetime !== undefined && rt.idle_token_lifetime > rt.token_lifetime
        ? { path: ['refresh_token', 'idle_token_lifetime'], message: `refresh_token.idle_token_lifetime (${rt.idle_token_lifetime}) must not exceed refresh_token.token_lifetime (${rt.token_lifetime})` }
        : undefined,
  },
  {
    name: 'post_login_prompt_requires_oidc_conformant',
    fields: ['organization_require_behavior', 'oidc_conformant'],
    check: (c) =>
      c.organization_require_behavior === 'post_login_prompt' && c.oidc_conformant !== true
        ? { path: ['organization_require_behavior'], message: "organization_require_behavior 'post_login_prompt' requires oidc_conformant to be true" }
        : undefined,
  },
  {
    name: 'third_party_without_organization_usage',
    fields: ['is_first_party', 'organization_usage'],
    check: (c) =>
      c.is_first_party === false && c.organization_usage !== undefined
        ? { path: ['is_first_party'], message: 'is_first_party can be false only when organization_usage is unset' }
        : undefined,
  },
  {
    name: 'third_party_without_organization_require_behavior',
    fields: ['is_first_party', 'organization_require_behavior'],
    check: (c) =>
      c.is_first_party === false && c.organization_require_behavior !== undefined
        ? { path: ['is_first_party'], message: 'is_first_party can be false only when organization_require_behavior is unset' }
        : undefined,
  },
  {
    name: 'authentication_methods_exclusive',
    fields: ['token_endpoint_auth_method', 'client_authentication_methods'],
    check: (c) =>
      c.token_endpoint_auth_method !== undefined && c.client_authentication_methods !== undefined
        ? { path: ['client_authentication_methods'], message: 'client_authentication_methods and token_endpoint_auth_method are mutually exclusive; set token_endpoint_auth_method to null' }
        : undefined,
  },
  {
    name: 'authentication_methods_require_rs256',
    fields: ['client_authentication_methods', 'jwt_configuration'],
    check: (c) =>
      c.client_authentication_methods !== undefined && algOf(c) !== 'RS256'
        ? { path: ['jwt_configuration', 'alg'], message: 'jwt_configuration.alg must be RS256 when client_authentication_methods is set' }
        : undefined,
  },
  {
    name: 'ip_header_requires_confidential_client',
    fields: ['is_token_endpoint_ip_header_trusted', 'token_endpoint_auth_method'],
    check: (c) =>
      c.is_token_endpoint_ip_header_trusted === true && c.token_endpoint_auth_method === 'none'
        ? { path: ['is_token_endpoint_ip_header_trusted'], message: "is_token_endpoint_ip_header_trusted requires a confidential client (token_endpoint_auth_method other than 'none')" }
        : undefined,
  },
  {
    name: 'third_party_security_mode_requires_third_party',
    fields: ['third_party_security_mode', 'is_first_party'],
    check: (c) =>
      c.third_party_security_mode !== undefined && c.is_first_party !== false
        ? { path: ['third_party_security_mode'], message: 'third_party_security_mode can be set only when is_first_party is false' }
        : undefined,
  },
  {
    name: 'strict_third_party_grant_types',
    fields: ['third_party_security_mode', 'is_first_party', 'grant_types'],
    check: (c) => {
      const bad = isStrictThirdParty(c) ? (c.grant_types ?? []).filter((g) => !STRICT_THIRD_PARTY_GRANTS.has(g)) : [];
      return bad.length > 0
        ? { path: ['grant_types'], message: `grant_types of a strict third-party client may contain only authorization_code, refresh_token and client_credentials, not: ${bad.join(', ')}` }
        : undefined;
    },
  },
  {
    name: 'strict_third_party_app_type',
    fields: ['third_party_security_mode', 'is_first_party', 'app_type'],
    check: (c) =>
      isStrictThirdParty(c) && c.app_type !== undefined && !STRICT_THIRD_PARTY_APP_TYPES.has(c.app_type)
        ? { path: ['app_type'], message: 'app_type of a strict third-party client must be regular_web, spa, native or non_interactive' }
        : undefined,
  },
  {
    name: 'strict_third_party_alg',
    fields: ['third_party_security_mode', 'is_first_party', 'jwt_configuration'],
    check: (c) =>
      isStrictThirdParty(c) && algOf(c) !== 'RS256'
        ? { path: ['jwt_configuration', 'alg'], message: 'jwt_configuration.alg of a strict third-party client must be RS256' }
        : undefined,
  },
  {
    name: 'strict_third_party_expiring_refresh_tokens',
    fields: ['third_party_security_mode', 'is_first_party', 'refresh_token'],
    check: (c) =>
      isStrictThirdParty(c) && c.refresh_token !== undefined && c.refresh_token.expiration_type !== 'expiring'
        ? { path: ['refresh_token', 'expiration_type'], message: "refresh_token.expiration_type of a strict third-party client must be 'expiring'" }
        : undefined,
  },
];

/** Drops null (= unset) values so a PATCH body or a merged config reads like a stored one. */
export function toRuleView(config: Readonly<Record<string, unknown>>): RuleView {
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== null && v !== undefined)) as RuleView;
}

/** Which rules to run: all of them, those whose fields a PATCH body carries, or those touching changed fields. */
export type RuleScope =
  | { kind: 'all' }
  | { kind: 'present'; keys: ReadonlySet<string> }
  | { kind: 'touching'; keys: ReadonlySet<string> };

export function clientRuleViolations(view: RuleView, scope: RuleScope = { kind: 'all' }): RuleViolation[] {
  const selected = RULES.filter((rule) => {
    switch (scope.kind) {
      case 'all':
        return true;
      case 'present':
        return rule.fields.every((f) => scope.keys.has(f));
      case 'touching':
        return rule.fields.some((f) => scope.keys.has(f));
      default: {
        const _never: never = scope;
        return _never;
      }
    }
  });
  return selected.flatMap((rule) => {
    const v = rule.check(view);
    return v ? [{ rule: rule.name, ...v }] : [];
  });
}
