// SPDX-License-Identifier: GPL-2.0
/*
 * The runstate area: registration, decoding in either layout, and making
 * the hypervisor write it again.
 *
 * Fields are read through packed, volatile accessors: a compat area is
 * only 4-aligned and the sweep cases put areas at every byte offset, and
 * the hypervisor writes behind the compiler's back.
 */
#include "apic.h"
#include "compiler.h"
#include "guest.h"
#include "rig.h"
#include "runstate.h"
#include "xen_ops.h"

struct unaligned_u32 {
	uint32_t v;
} __packed;

struct unaligned_u64 {
	uint64_t v;
} __packed;

static uint32_t get_u32(const void *p)
{
	return ((const volatile struct unaligned_u32 *)p)->v;
}

/* One 8-byte load in 64-bit code; two 4-byte ones in 32-bit code. */
static uint64_t get_u64(const void *p)
{
	return ((const volatile struct unaligned_u64 *)p)->v;
}

enum rs_layout rs_layout_native(void)
{
	return guest_is_64bit() ? RS_NATIVE : RS_COMPAT;
}

long runstate_register_raw(uint64_t arg)
{
	struct vcpu_register_runstate_memory_area area = { .addr.p = arg };

	return xen_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &area);
}

long runstate_register(void *va)
{
	/* A 32-bit pointer zero-extends: the upper half is clean here. */
	return runstate_register_raw((unsigned long)va);
}

/*
 * The hypervisor rewrites the area whenever the vCPU is descheduled, and
 * with a loaded host that can fall between two fields of this read even
 * with one vCPU: the entry time from one update, the times from the next.
 * So read it as Linux's xen_get_runstate_snapshot does: state_entry_time
 * before and after the body, again until both agree and carry no update
 * bit.  After RS_READ_TRIES the last read stands, so an area that never
 * settles shows as what it is instead of hanging the case.
 */
#define RS_READ_TRIES	100

void runstate_read(const void *va, enum rs_layout layout,
		   struct rs_snapshot *s)
{
	/* compat: no padding after state, so everything moves up 4 bytes. */
	unsigned int entry_off = layout == RS_COMPAT ? 4 : 8;
	const uint8_t *p = va;
	uint64_t entry, again;
	unsigned int i, tries = 0;

	do {
		entry = get_u64(p + entry_off);
		barrier();
		s->state = (int32_t)get_u32(p);
		for (i = 0; i < 4; i++)
			s->time[i] = get_u64(p + entry_off + 8 + 8 * i);
		barrier();
		again = get_u64(p + entry_off);
	} while ((again != entry || (entry & XEN_RUNSTATE_UPDATE)) &&
		 ++tries < RS_READ_TRIES);
	s->update = !!(entry & XEN_RUNSTATE_UPDATE);
	s->entry = entry & ~XEN_RUNSTATE_UPDATE;
}

uint64_t rs_sum(const struct rs_snapshot *s)
{
	return s->time[0] + s->time[1] + s->time[2] + s->time[3];
}

void force_update(unsigned int ms)
{
	/*
	 * Halt first, then exit: the exit's re-entry is the last update, so
	 * the area read afterwards covers the whole halt on KVM too.
	 */
	apic_sleep_ms(ms);
	rig_cmd(RIG_CMD_HCALL_COUNT, 0);
}
