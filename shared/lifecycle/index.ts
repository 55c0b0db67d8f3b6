export * from './shutdown.js';
export * from './fault-guard.js';
