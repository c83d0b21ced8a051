#!/usr/bin/env bash
# Builds the bench module and the Tributary broker jar, then runs one benchmark main class of
# io.tributary.bench with the remaining arguments:
#   bench/run-bench-main.sh BrokerBenchmark --help
# Child JVMs (Kafka brokers, perf tools, group members) get this same classpath.
#   BENCH_SKIP_BUILD=1   skip the build (use what is in */target)
#   BENCH_MVN_FLAGS      flags for mvn (default: -B -q -o, offline)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

main="${1:?usage: run-bench-main.sh MAIN_CLASS [flags]}"
shift

if [[ "${BENCH_SKIP_BUILD:-0}" != "1" ]]; then
  build_log="$(mktemp)"
  # shellcheck disable=SC2086
  if ! mvn ${BENCH_MVN_FLAGS:--B -q -o} -pl wire,bench -am package -DskipTests >"$build_log" 2>&1; then
    cat "$build_log" >&2
    rm -f "$build_log"
    exit 1
  fi
  rm -f "$build_log"
fi

classpath_file="bench/target/runtime-classpath.txt"
if [[ ! -s "$classpath_file" ]]; then
  echo "missing $classpath_file: build with 'mvn -pl wire,bench -am package -DskipTests'" >&2
  exit 1
fi

exec java -Xmx256m -cp "bench/target/classes:$(cat "$classpath_file")" "io.tributary.bench.$main" "$@"
