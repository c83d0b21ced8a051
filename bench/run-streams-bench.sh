#!/usr/bin/env bash
# Exactly-once Kafka Streams pass-through (processing.guarantee=exactly_once_v2) on Kafka and
# Tributary: one broker by default, --brokers 3 for a cluster. Run with --help for the flags.
exec "$(dirname "${BASH_SOURCE[0]}")/run-bench-main.sh" StreamsBenchmark "$@"
