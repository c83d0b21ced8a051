/** Tributary replication. */
package io.tributary.replication;
