/**
 * The baseline for bench:api: a Fastify route that only produces the same clients.events record
 * (same producer: idempotent, acks=all, group commit) and answers 201. No auth, no validation, no
 * projection: what is left is the floor set by HTTP + Kafka on this machine.
 */
import Fastify from 'fastify';
import { createEventProducer, createKafka, ensureTopics, topicNames, topicSpecs } from '../../shared/kafka/index.js';
import { createLogger } from '../../shared/log/index.js';
import { decideCreate, generateClientId, toClientEventRecord } from '../../shared/clients/index.js';

const log = createLogger({ level: 'warn', name: 'bare' });
const kafka = createKafka({ brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'bench-bare', log });
const names = topicNames(process.env.KAFKA_TOPIC_PREFIX ?? 'bare.');
const admin = kafka.admin();
await admin.connect();
await ensureTopics(admin, topicSpecs(names, { partitions: 3, replicationFactor: 1 }));
const producer = await createEventProducer(kafka);
const sealed = `v1.00000000.${'A'.repeat(16)}.${'B'.repeat(22)}.${'C'.repeat(86)}`;
const meta = { actor: 'bench', actorclient: 'bench', actorname: '', requestid: '', ip: '127.0.0.1', useragent: 'bench', method: 'POST', path: '/api/v2/clients' };

const app = Fastify();
app.post('/bare', async (req, reply) => {
  const event = decideCreate(req.body as { name: string }, { clientId: generateClientId(), secretSealed: sealed });
  await producer.send(names.clientEvents, toClientEventRecord(event, meta).record);
  return reply.code(201).send({ client_id: event.client_id });
});
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.send?.({ port: (app.server.address() as { port: number }).port });
process.on('SIGTERM', () => void app.close().then(() => producer.disconnect()).then(() => admin.disconnect()).then(() => process.exit(0)));
