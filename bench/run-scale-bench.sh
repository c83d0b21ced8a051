#!/usr/bin/env bash
# Scale: 3-broker clusters of Kafka and Tributary with 1,000 and then 10,000 partitions (RF 3):
# creation time, Raft groups, threads, RSS and idle CPU per broker. Run with --help for the flags;
# a quick check: bench/run-scale-bench.sh --partitions 1000 --idle-seconds 10
exec "$(dirname "${BASH_SOURCE[0]}")/run-bench-main.sh" ScaleBenchmark "$@"
