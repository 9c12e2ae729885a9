/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hypercall tests' common fixture: 1 MiB of guest RAM, the fake KVM and
 * a way to make one call and keep its log line.
 */
#ifndef TEST_HCALL_FIXTURE_H
#define TEST_HCALL_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_kvm.h"
#include "hypercall.h"

#define RAM_SIZE	(1u << 20)
#define HI32		0xdead000000000000ull	/* garbage in upper halves */

struct fixture {
	struct hcall_env env;
	struct fake_kvm kvm;
	struct mem_layout layout;
	uint8_t *ram;
	char line[768];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->ram = calloc(1, RAM_SIZE);
	if (!f->ram)
		return -1;
	f->layout.ram_size = RAM_SIZE;
	f->env = (struct hcall_env) {
		.mem = { .base = f->ram, .size = RAM_SIZE,
			 .layout = &f->layout },
		.xen_major = 4,
		.xen_minor = 17,
		.kvm_xen_caps = 0x1ff,
		.ops = &fake_kvm_ops,
		.ops_ctx = &f->kvm,
	};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->ram);
	free(f);
	return 0;
}

/* Make the call; its log line is left in f->line. */
static int64_t hc(struct fixture *f, bool longmode, uint64_t nr, uint64_t a0,
		  uint64_t a1, uint64_t a2)
{
	struct hcall in = {
		.nr = nr,
		.params = { a0, a1, a2, HI32 | 4, HI32 | 5, HI32 | 6 },
		.longmode = longmode,
	};
	struct hcall_res res;

	hcall_dispatch(&f->env, &in, &res);
	hcall_format(&in, &res, f->line, sizeof(f->line));
	return res.ret;
}

static inline void put32(struct fixture *f, uint64_t gpa, uint32_t v)
{
	memcpy(f->ram + gpa, &v, sizeof(v));
}

static inline void put64(struct fixture *f, uint64_t gpa, uint64_t v)
{
	memcpy(f->ram + gpa, &v, sizeof(v));
}

static inline uint64_t get64(struct fixture *f, uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, f->ram + gpa, sizeof(v));
	return v;
}

static inline uint32_t get32(struct fixture *f, uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, f->ram + gpa, sizeof(v));
	return v;
}

#endif /* TEST_HCALL_FIXTURE_H */
