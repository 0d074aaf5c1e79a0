/*
 * siphash.h — SipHash-2-4, the keyed MAC the passthrough example puts on its
 * file handles.
 *
 * SipHash (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012)
 * is a pseudo-random function with a 128-bit key and a 64-bit output, built
 * for exactly this: authenticating short messages against an attacker who
 * can choose them but does not know the key.
 */
#ifndef PT_SIPHASH_H
#define PT_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define PT_SIPHASH_KEY_LEN 16

/* SipHash-2-4 of data[0 .. len) under key (16 bytes, read little-endian as
 * two 64-bit words, as the paper specifies). */
uint64_t pt_siphash24(const uint8_t key[PT_SIPHASH_KEY_LEN],
                      const uint8_t *data, size_t len);

#endif /* PT_SIPHASH_H */
