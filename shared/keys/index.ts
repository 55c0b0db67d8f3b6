export * from './local-key.js';
