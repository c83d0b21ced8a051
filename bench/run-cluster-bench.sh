#!/usr/bin/env bash
# Three-broker throughput: Apache Kafka 4.4 and Tributary, 3 brokers each (min.insync.replicas=2),
# a 6-partition topic with replication factor 3, ProducerPerformance with acks=all and 1 KiB records
# (linger.ms=5, batch.size=65536), then ConsumerPerformance reading it back. This is
# run-broker-bench.sh with those defaults; later flags win (run with --help for all of them), and
# giving any --target replaces the default pair.
defaults=(--brokers 3 --partitions 6 --replication-factor 3 --workloads a,e)
targets=(--target kafka --target tributary)
for arg in "$@"; do
  if [[ "$arg" == "--target" || "$arg" == "--only-kafka" ]]; then
    targets=()
  fi
done
exec "$(dirname "${BASH_SOURCE[0]}")/run-bench-main.sh" BrokerBenchmark "${defaults[@]}" "${targets[@]}" "$@"
