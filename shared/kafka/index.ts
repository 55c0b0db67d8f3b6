export * from './client.js';
export * from './topics.js';
export * from './producer.js';
export * from './dead-letter.js';
export * from './consumer-runner.js';
export * from './chunk.js';
export * from './admin-retry.js';
export * from './topic-projection.js';
