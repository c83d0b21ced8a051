/** Benchmarks against Apache Kafka. */
package io.tributary.bench;
