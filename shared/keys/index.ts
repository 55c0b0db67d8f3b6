export * from './local-key.js';
export * from './tenant-certificate.js';
