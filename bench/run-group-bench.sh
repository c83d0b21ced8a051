#!/usr/bin/env bash
# Consumer group rebalance: a third consumer joining a group of two, and a member killed with
# SIGKILL, on Kafka and Tributary. Run with --help for the flags.
exec "$(dirname "${BASH_SOURCE[0]}")/run-bench-main.sh" GroupRebalanceBenchmark "$@"
