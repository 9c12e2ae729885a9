// SPDX-License-Identifier: GPL-2.0
/*
 * The rig control port: how the guest asks the VMM for what no Xen
 * interface exposes (what KVM reported on the last Xen exit), makes the
 * --late memory appear and disappear, moves, discards and dirty-logs guest
 * frames behind KVM's back (remap.c), and stops before it has a hypercall
 * page.
 */
#include <string.h>

#include <rig/abi.h>

#include "ctlport.h"
#include "hypercall.h"
#include "log.h"
#include "vmm.h"

static uint32_t get_le(const uint8_t *p, unsigned int size)
{
	uint32_t v = 0;

	memcpy(&v, p, size > 4 ? 4 : size);
	return v;
}

static void put_le(uint8_t *p, unsigned int size, uint32_t v)
{
	memset(p, 0, size);
	memcpy(p, &v, size > 4 ? 4 : size);
}

/* RIG_CMD_MEM_PLUG: 0, or ~0 when there is nothing (left) to plug. */
static uint32_t mem_plug(struct ctlport *c)
{
	if (!c->mem || !mem_late_pluggable(c->mem)) {
		vmm_trace("mem plug: %s", c->mem && c->mem->late.size ?
			  "late range already plugged" : "no late range");
		return ~0u;
	}
	if (!c->add_slot || c->add_slot(c->slot_ctx, &c->mem->late))
		return ~0u;
	c->mem->late_plugged = true;
	return 0;
}

/* RIG_CMD_MEM_UNPLUG: 0, or ~0 when the late range is not plugged. */
static uint32_t mem_unplug(struct ctlport *c)
{
	if (!c->mem || !c->mem->late_plugged) {
		vmm_trace("mem unplug: %s", c->mem && c->mem->late.size ?
			  "late range not plugged" : "no late range");
		return ~0u;
	}
	if (!c->del_slot || c->del_slot(c->slot_ctx, &c->mem->late))
		return ~0u;
	/* A hole again: the hypercall handlers must not touch it now. */
	c->mem->late_plugged = false;
	return 0;
}

static int command(struct ctlport *c, uint32_t cmd)
{
	switch (cmd) {
	case RIG_CMD_EXIT:
		vmm_diag("guest requested exit, reason %u", c->data);
		return rig_exit_for_shutdown(c->data);
	case RIG_CMD_LAST_LONGMODE:
		c->data = c->last_longmode;
		break;
	case RIG_CMD_HCALL_COUNT:
		c->data = (uint32_t)c->hcall_count;
		break;
	case RIG_CMD_MEM_PLUG:
		c->data = mem_plug(c);
		break;
	case RIG_CMD_MEM_UNPLUG:
		c->data = mem_unplug(c);
		break;
	case RIG_CMD_MEM_MOVE:
		c->data = c->remap ? remap_move(c->remap, c->data) : ~0u;
		break;
	case RIG_CMD_MEM_OLD_CHANGED:
		c->data = c->remap ? remap_old_changed(c->remap, c->data) : ~0u;
		break;
	case RIG_CMD_MEM_DISCARD:
		c->data = c->remap ? remap_discard(c->remap, c->data) : ~0u;
		break;
	case RIG_CMD_DIRTY_LOG:
		c->data = c->remap ? remap_dirty_log(c->remap, c->data) : ~0u;
		break;
	case RIG_CMD_DIRTY_TEST:
		c->data = c->remap ? remap_dirty_test(c->remap, c->data) : ~0u;
		break;
	case RIG_CMD_SLOT_MOVE:
		c->data = c->remap ? remap_slot_move(c->remap) : ~0u;
		break;
	case RIG_CMD_SLOT_OLD_CHANGED:
		c->data = c->remap ? remap_slot_old_changed(c->remap, c->data) : ~0u;
		break;
	case RIG_CMD_MEM_LATE_BASE:
		/* The rig's RAM is below 4 GiB: the base fits. */
		c->data = c->mem && c->mem->late.size ?
			  (uint32_t)c->mem->late.start : 0;
		break;
	default:
		vmm_diag("unknown control port command %u", cmd);
		c->data = ~0u;
		break;
	}
	return VMM_CONTINUE;
}

/*
 * Only whole 32-bit registers are defined; narrower accesses see the low
 * bytes so a guest mistake shows up as a wrong value, not a VMM failure.
 * A string access is processed element by element, as the CPU would.
 */
int ctlport_pio(struct ctlport *c, uint16_t port, bool out, void *data,
		unsigned int size, unsigned int count)
{
	uint8_t *p = data;
	unsigned int i;
	int ret;

	for (i = 0; i < count; i++, p += size) {
		if (port == RIG_PORT_DATA) {
			if (out)
				c->data = get_le(p, size);
			else
				put_le(p, size, c->data);
		} else if (out) {
			ret = command(c, get_le(p, size));
			if (ret != VMM_CONTINUE)
				return ret;
		} else {
			memset(p, 0xff, size);
		}
	}
	return VMM_CONTINUE;
}
