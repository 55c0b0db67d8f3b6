/**
 * A well-formed CloudEvent this build cannot read: a `schemaversion` newer than it knows, or a type
 * it has never heard of. During a rolling deploy that is a record written by a newer producer, not
 * a bad one: dead-lettering it would silently drop a real change from state and audit. The
 * consumer stops at it instead (readiness fails, the log names the record) until a build that
 * reads it is deployed.
 */
export class UnsupportedEventError extends Error {
  override name = 'UnsupportedEventError';
}
