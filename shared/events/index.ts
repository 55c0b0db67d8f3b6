export * from './envelope.js';
export * from './codec.js';
export * from './poison-record-error.js';
export * from './unsupported-event-error.js';
export * from './subject-events.js';
