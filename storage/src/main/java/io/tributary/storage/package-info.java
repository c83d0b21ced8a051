/** Tributary storage. */
package io.tributary.storage;
