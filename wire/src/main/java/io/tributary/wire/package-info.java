/** Tributary wire. */
package io.tributary.wire;
