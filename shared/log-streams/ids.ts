import { randomInt } from 'node:crypto';

/** Auth0 stream ids look like `lst_0000000000001269`: 16 digits after the prefix. */
export const LOG_STREAM_ID_PATTERN = /^lst_[0-9]{16}$/;

export function generateLogStreamId(): string {
  let digits = '';
  for (let i = 0; i < 16; i++) digits += String(randomInt(10));
  return `lst_${digits}`;
}
