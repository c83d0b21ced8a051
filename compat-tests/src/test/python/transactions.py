"""librdkafka's transactional producer (confluent-kafka-python) against a broker.

Usage: transactions.py BOOTSTRAP TOPIC GROUP

On partition 0 of TOPIC: commits "committed-0".."committed-4", then aborts "aborted-0".."aborted-4".
Then, as a member of GROUP reading TOPIC with isolation.level=read_committed, copies what it reads to
partition 1 as "copy-<value>" in one transaction together with the group's offsets, and commits.
Prints one line per step; exits non-zero on any error.
"""
import sys

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

bootstrap, topic, group = sys.argv[1:4]


def produce_all(producer, partition, values):
    for value in values:
        producer.produce(topic, value=value.encode(), partition=partition)
    producer.flush(30)


producer = Producer({
    "bootstrap.servers": bootstrap,
    "transactional.id": "librdkafka-" + topic,
    "transaction.timeout.ms": 60000,
})
producer.init_transactions(30)

producer.begin_transaction()
produce_all(producer, 0, ["committed-%d" % i for i in range(5)])
producer.commit_transaction(30)
print("committed 5", flush=True)

producer.begin_transaction()
produce_all(producer, 0, ["aborted-%d" % i for i in range(5)])
producer.abort_transaction(30)
print("aborted 5", flush=True)

consumer = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "isolation.level": "read_committed",
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
})
consumer.subscribe([topic])
read = []
for _ in range(300):
    message = consumer.poll(0.2)
    if message is None:
        if len(read) >= 5:
            break
        continue
    if message.error():
        raise KafkaException(message.error())
    if message.partition() == 0:
        read.append(message.value().decode())
if read != ["committed-%d" % i for i in range(5)]:
    sys.exit("read_committed saw %s" % read)

producer.begin_transaction()
produce_all(producer, 1, ["copy-" + value for value in read])
positions = consumer.position([TopicPartition(topic, 0)])
producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(), 30)
producer.commit_transaction(30)
print("copied %d with offsets %s" % (len(read), [(p.partition, p.offset) for p in positions]), flush=True)
consumer.close()
