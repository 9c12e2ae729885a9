/* SPDX-License-Identifier: GPL-2.0 */
/* The rig control port: what no Xen interface can tell or do. */
#ifndef GUEST_RIG_H
#define GUEST_RIG_H

#include <stdbool.h>
#include <stdint.h>
#include <rig/abi.h>

uint32_t rig_cmd(enum rig_cmd cmd, uint32_t arg);

/*
 * Plug the VMM's --late region, as a precondition check named @check (an
 * ERROR without vmm --late or when the plug fails): its base, or 0.
 */
uint32_t rig_plug_late(const char *check);

/* The ERROR reason of a case for which RIG_CMD_MEM_LATE_BASE answers 0. */
#define RIG_NO_LATE	"the VMM has no --late region (the case needs vmm --late)"

/*
 * Host-side pressure on a guest frame (RIG_CMD_MEM_MOVE and the rest): the
 * frame of an identity-mapped address, and the commands' answers.  ~0 is
 * "refused" in all of them.
 */
#define RIG_REFUSED	0xffffffffu
#define RIG_GFN(p)	((uint32_t)((unsigned long)(p) >> 12))

uint32_t rig_mem_move(uint32_t gfn);
/* 1: KVM wrote the old page after the move; 0: it did not. */
uint32_t rig_mem_old_changed(uint32_t gfn);
uint32_t rig_mem_discard(uint32_t gfn);
uint32_t rig_dirty_log(bool on);
/* 1: dirty since the last ask; 0: clean. */
uint32_t rig_dirty_test(uint32_t gfn);

/*
 * The whole --late memslot at a new host address (RIG_CMD_SLOT_MOVE), and
 * whether frame @gfn of its previous mapping changed since (1) or not (0).
 */
uint32_t rig_slot_move(void);
uint32_t rig_slot_old_changed(uint32_t gfn);

#endif /* GUEST_RIG_H */
