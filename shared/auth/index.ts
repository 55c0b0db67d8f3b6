export * from './signing-secret.js';
export * from './scopes.js';
