export { startReceiver, splitConcatenatedJson, type FailureStep, type Receiver, type ReceiverCounts, type RecordedRequest } from './core.js';
export { startSplunkReceiver, type SplunkReceiverOptions } from './splunk.js';
export { startSumoReceiver, type SumoReceiverOptions } from './sumo.js';
export { startDatadogReceiver, type DatadogReceiver, type DatadogReceiverOptions } from './datadog.js';
export { startHttpReceiver, type HttpReceiverOptions } from './http.js';
export { startEchoReceiver, type EchoReceiverOptions } from './echo.js';
