#!/usr/bin/env bash
# Builds the bench module and runs io.tributary.bench.BrokerBenchmark; flags are passed through
# (run with --help to list them). See run-bench-main.sh for the build and the classpath.
exec "$(dirname "${BASH_SOURCE[0]}")/run-bench-main.sh" BrokerBenchmark "$@"
