export * from './schema.js';
export {
  APP_TYPES, GRANT_TYPES, JWT_ALGS, TOKEN_ENDPOINT_AUTH_METHODS, COMPLIANCE_LEVELS, SSO_ADDON_APP_TYPES,
  CLIENT_METADATA_MAX_KEYS, REFRESH_TOKEN_MAX_LIFETIME, RefreshTokenSchema, JwtConfigurationSchema,
  ClientMetadataSchema, clientFields, type AppType, type GrantType, type ClientFieldName,
} from './fields.js';
export { isValidUrl, type UrlFormat } from './urls.js';
export { clientRuleViolations, type RuleViolation } from './rules.js';
export * from './defaults.js';
export * from './ids.js';
export * from './events.js';
export * from './fold.js';
export * from './decide.js';
export * from './response.js';
export * from './diff.js';
export * from './envelope.js';
export * from './state-store.js';
