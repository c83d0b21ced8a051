/** Tributary coordinator. */
package io.tributary.coordinator;
