/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a fuzzer's input as a stream of fields.  Running out of input
 * yields zeros rather than an error, so that every input is a valid
 * program for a harness and libFuzzer's mutations are never wasted on
 * framing.
 */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct input {
	const uint8_t *p;
	size_t left;
};

static inline void in_bytes(struct input *in, void *buf, size_t n)
{
	size_t k = n < in->left ? n : in->left;

	memcpy(buf, in->p, k);
	memset((uint8_t *)buf + k, 0, n - k);
	in->p += k;
	in->left -= k;
}

static inline uint8_t in_u8(struct input *in)
{
	uint8_t v;

	in_bytes(in, &v, 1);
	return v;
}

static inline uint16_t in_u16(struct input *in)
{
	uint16_t v;

	in_bytes(in, &v, 2);
	return v;
}

static inline uint32_t in_u32(struct input *in)
{
	uint32_t v;

	in_bytes(in, &v, 4);
	return v;
}

static inline uint64_t in_u64(struct input *in)
{
	uint64_t v;

	in_bytes(in, &v, 8);
	return v;
}

#endif /* FUZZ_INPUT_H */
