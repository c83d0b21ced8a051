/** Black-box compatibility tests: real broker processes driven by real Kafka clients. */
package io.tributary.compat;
