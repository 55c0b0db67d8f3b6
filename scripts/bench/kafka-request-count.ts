/**
 * Preloaded into the API process by bench:api (`--import`): counts the Kafka requests it writes
 * to the broker, by API key, at the socket, so the figure is what the broker saw whatever the
 * code above kafkajs does. The bench asks for the counts over the IPC channel.
 *
 * kafkajs writes every request as one buffer: int32 size, int16 api key, int16 version, … (see
 * kafkajs/src/protocol/request.js); anything else written on a socket (HTTP answers) does not
 * have that frame and is not counted.
 */
import { Socket } from 'node:net';

const counts: Record<number, number> = {};
const write = Socket.prototype.write;
Socket.prototype.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
  if (Buffer.isBuffer(chunk) && chunk.length >= 8 && chunk.readInt32BE(0) === chunk.length - 4) {
    const apiKey = chunk.readInt16BE(4);
    counts[apiKey] = (counts[apiKey] ?? 0) + 1;
  }
  return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
} as typeof Socket.prototype.write;

if (process.send) {
  process.on('message', (m) => {
    if (m === 'kafka-request-counts') process.send!({ kafkaRequestCounts: { ...counts } });
  });
  // The channel must not keep the process alive at shutdown.
  process.channel?.unref();
}
