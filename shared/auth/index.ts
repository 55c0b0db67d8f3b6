export * from './signing-secret.js';
export * from './scopes.js';
export * from './principal.js';
export * from './verify-token.js';
export * from './verified-tokens.js';
export * from './scope-guard.js';
export * from './hook.js';
export * from './from-config.js';
