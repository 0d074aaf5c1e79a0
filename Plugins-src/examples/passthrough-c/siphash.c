/*
 * siphash.c — SipHash-2-4 (two compression rounds per 8-byte block, four
 * finalisation rounds), written from the description in section 2 of the
 * SipHash paper. The test in the scratch harness checks it against the
 * paper's Appendix A vector.
 */
#include "siphash.h"

static uint64_t rotl64(uint64_t x, unsigned bits)
{
    return (x << bits) | (x >> (64u - bits));
}

/* Little-endian load of n (<= 8) bytes, independent of the host's order. */
static uint64_t load_le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v |= (uint64_t)p[i] << (8u * i);
    }
    return v;
}

struct sip_state {
    uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip_state *s)
{
    s->v0 += s->v1;
    s->v1 = rotl64(s->v1, 13);
    s->v1 ^= s->v0;
    s->v0 = rotl64(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = rotl64(s->v3, 16);
    s->v3 ^= s->v2;
    s->v0 += s->v3;
    s->v3 = rotl64(s->v3, 21);
    s->v3 ^= s->v0;
    s->v2 += s->v1;
    s->v1 = rotl64(s->v1, 17);
    s->v1 ^= s->v2;
    s->v2 = rotl64(s->v2, 32);
}

static void sip_block(struct sip_state *s, uint64_t m)
{
    s->v3 ^= m;
    sip_round(s);
    sip_round(s);
    s->v0 ^= m;
}

uint64_t pt_siphash24(const uint8_t key[PT_SIPHASH_KEY_LEN],
                      const uint8_t *data, size_t len)
{
    uint64_t k0 = load_le(key, 8);
    uint64_t k1 = load_le(key + 8, 8);
    /* The initialisation constants spell "somepseudorandomlygeneratedbytes". */
    struct sip_state s = {
        .v0 = k0 ^ 0x736f6d6570736575ull,
        .v1 = k1 ^ 0x646f72616e646f6dull,
        .v2 = k0 ^ 0x6c7967656e657261ull,
        .v3 = k1 ^ 0x7465646279746573ull,
    };

    size_t whole = len - (len % 8);
    for (size_t i = 0; i < whole; i += 8) {
        sip_block(&s, load_le(data + i, 8));
    }
    /* The last block holds the 0-7 remaining bytes and, in its top byte,
     * the message length modulo 256. */
    uint64_t last = load_le(data + whole, len - whole) | ((uint64_t)(len & 0xffu) << 56);
    sip_block(&s, last);

    s.v2 ^= 0xff;
    for (int i = 0; i < 4; i++) {
        sip_round(&s);
    }
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
