#!/usr/bin/env bash
# Builds the bench module and runs io.tributary.bench.BrokerBenchmark; flags are passed through
# (run with --help to list them). Child JVMs (Kafka broker, perf tools) get this same classpath.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ "${BENCH_SKIP_BUILD:-0}" != "1" ]]; then
  build_log="$(mktemp)"
  if ! mvn -B -q -pl bench -am package -DskipTests >"$build_log" 2>&1; then
    cat "$build_log" >&2
    rm -f "$build_log"
    exit 1
  fi
  rm -f "$build_log"
fi

classpath_file="bench/target/runtime-classpath.txt"
if [[ ! -s "$classpath_file" ]]; then
  echo "missing $classpath_file: build with 'mvn -pl bench -am package -DskipTests'" >&2
  exit 1
fi

exec java -Xmx256m -cp "bench/target/classes:$(cat "$classpath_file")" \
  io.tributary.bench.BrokerBenchmark "$@"
