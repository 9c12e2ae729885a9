/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rig control port (RIG_PORT_CMD/RIG_PORT_DATA in rig/abi.h).
 */
#ifndef VMM_CTLPORT_H
#define VMM_CTLPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "memlayout.h"
#include "remap.h"

struct ctlport {
	uint32_t data;
	/* Sources for the answers, kept by the Xen exit handler. */
	uint32_t last_longmode;
	uint64_t hcall_count;
	/* RIG_CMD_MEM_PLUG/UNPLUG: the layout, how to add/delete a memslot. */
	struct mem_layout *mem;
	int (*add_slot)(void *ctx, const struct mem_range *r);
	int (*del_slot)(void *ctx, const struct mem_range *r);
	void *slot_ctx;
	/* RIG_CMD_MEM_MOVE ... RIG_CMD_DIRTY_TEST; NULL: all refused. */
	struct remap *remap;
};

int ctlport_pio(struct ctlport *c, uint16_t port, bool out, void *data,
		unsigned int size, unsigned int count);

#endif /* VMM_CTLPORT_H */
