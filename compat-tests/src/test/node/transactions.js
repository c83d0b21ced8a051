// kafkajs transactions against a broker.
//
// Usage: node transactions.js BOOTSTRAP TOPIC GROUP
//
// On partition 0 of TOPIC: commits "committed-0".."committed-4", then aborts "aborted-0".."aborted-4".
// Then, as a member of GROUP reading TOPIC with read_committed, copies what it read to partition 1 as
// "copy-<value>" in one transaction together with the group's offset, and commits. Prints one line per
// step; exits non-zero on any error.
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, group] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'kafkajs-transactions', brokers: [bootstrap], logLevel: logLevel.ERROR });
const values = (prefix) => [0, 1, 2, 3, 4].map((i) => ({ value: `${prefix}-${i}`, partition: 0 }));

async function readCommitted() {
  const consumer = kafka.consumer({ groupId: group, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const read = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read only ${JSON.stringify(read)} in 30 s`)), 30000);
    consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (partition === 0) {
          read.push(message.value.toString());
        }
        if (read.length >= 5) {
          clearTimeout(timer);
          resolve();
        }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  return read;
}

async function main() {
  const producer = kafka.producer({ transactionalId: `kafkajs-${topic}`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  let txn = await producer.transaction();
  await txn.send({ topic, messages: values('committed') });
  await txn.commit();
  console.log('committed 5');

  txn = await producer.transaction();
  await txn.send({ topic, messages: values('aborted') });
  await txn.abort();
  console.log('aborted 5');

  const read = await readCommitted();
  if (JSON.stringify(read) !== JSON.stringify(values('committed').map((m) => m.value))) {
    throw new Error(`read_committed saw ${JSON.stringify(read)}`);
  }
  txn = await producer.transaction();
  await txn.send({ topic, messages: read.map((value) => ({ value: `copy-${value}`, partition: 1 })) });
  await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic, partitions: [{ partition: 0, offset: '5' }] }] });
  await txn.commit();
  console.log(`copied ${read.length} with offsets [(0, 5)]`);
  await producer.disconnect();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
