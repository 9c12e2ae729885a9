// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU setup on the KVM API.
 *
 * The order matters in two places: KVM_SET_CPUID2 must precede KVM_SET_SREGS
 * (KVM checks CR4/EFER bits against the guest's CPUID), and the Xen
 * configuration is done on the VM before the vCPU first runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include <rig/abi.h>

#include "dirty_ring.h"
#include "kvm.h"
#include "loader.h"
#include "log.h"

#define XEN_HVM_NEEDED	(KVM_XEN_HVM_CONFIG_HYPERCALL_MSR | \
			 KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL)

/*
 * VMX needs these set before the first vCPU runs; the addresses are the
 * ones QEMU uses, in the hole below 4 GiB that no rig guest can reach.
 */
#define KVM_TSS_GPA		0xfffbd000ul
#define KVM_IDENTITY_MAP_GPA	0xfffbc000ul

#define X86_CR0_PE	(1u << 0)
#define X86_CR0_ET	(1u << 4)

static int host_err(const char *what)
{
	vmm_err("%s: %s", what, strerror(errno));
	return RIG_EXIT_HOST;
}

static int check_caps(struct vm *vm, const struct vmm_config *cfg)
{
	int ret;

	ret = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		vmm_err("/dev/kvm: unsupported KVM API version %d", ret);
		return RIG_EXIT_HOST;
	}
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) <= 0 ||
	    ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) <= 0) {
		vmm_err("host KVM lacks an in-kernel irqchip or user memory");
		return RIG_EXIT_SKIP;
	}
	if (cfg->no_xen)
		return 0;

	ret = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XEN_HVM);
	if (ret < 0)
		ret = 0;
	vm->xen_caps = ret;
	if ((ret & XEN_HVM_NEEDED) != XEN_HVM_NEEDED) {
		vmm_err("host KVM lacks Xen HVM support (KVM_CAP_XEN_HVM=0x%x)",
			ret);
		return RIG_EXIT_SKIP;
	}
	return 0;
}

static int xen_config(struct vm *vm)
{
	struct kvm_xen_hvm_config xc = {
		/* KVM writes the hypercall page; calls exit to us. */
		.flags = KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL,
		.msr = RIG_XEN_MSR,
	};

	/* Without it KVM turns SCHEDOP_poll into a yield. */
	if (vm->xen_caps & KVM_XEN_HVM_CONFIG_EVTCHN_SEND)
		xc.flags |= KVM_XEN_HVM_CONFIG_EVTCHN_SEND;
	else
		vmm_trace("KVM_CAP_XEN_HVM %#x lacks EVTCHN_SEND: SCHEDOP_poll is a yield",
			  vm->xen_caps);
	if (ioctl(vm->vm_fd, KVM_XEN_HVM_CONFIG, &xc))
		return host_err("KVM_XEN_HVM_CONFIG");
	return 0;
}

/* Memslot @slot over @r, backed by the same range of vm->ram; size 0 deletes. */
static int set_region(struct vm *vm, unsigned int slot,
		      const struct mem_range *r, uint64_t size)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.guest_phys_addr = r->start,
		.memory_size = size,
		.userspace_addr = (uintptr_t)vm->ram + r->start,
	};

	return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) ? -errno : 0;
}

static int set_slot(struct vm *vm, const struct mem_range *r)
{
	int ret = set_region(vm, vm->nr_slots, r, r->size);

	if (!ret)
		vm->nr_slots++;
	return ret;
}

/* RAM as the layout cuts it; one slot when there is nothing to cut. */
static int create_slots(struct vm *vm)
{
	struct mem_range slots[MEM_MAX_SLOTS];
	unsigned int i, n = mem_layout_slots(vm->layout, slots, MEM_MAX_SLOTS);
	int ret;

	for (i = 0; i < n; i++) {
		ret = set_slot(vm, &slots[i]);
		if (ret) {
			errno = -ret;
			return host_err("KVM_SET_USER_MEMORY_REGION");
		}
		if (n > 1 || vm->layout->late.size)
			vmm_trace("memslot %u: [%#llx, %#llx)", i,
				  (unsigned long long)slots[i].start,
				  (unsigned long long)(slots[i].start +
						       slots[i].size));
	}
	return 0;
}

/*
 * RIG_CMD_MEM_PLUG: the late range as a new memslot of fresh memory, mapped
 * over its place in the RAM mapping so the VMM's own accesses need no second
 * view.  (The host kernel may lack madvise(), hence a new mapping.)
 */
int vm_plug_late(void *ctx, const struct mem_range *r)
{
	struct vm *vm = ctx;
	unsigned int slot = vm->nr_slots;
	void *p = (uint8_t *)vm->ram + r->start;
	int ret = 0;

	if (mmap(p, r->size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
		 -1, 0) == MAP_FAILED)
		ret = -errno;
	if (!ret)
		ret = set_slot(vm, r);
	if (!ret)
		vm->late_slot = slot;
	vmm_trace("mem plug [%#llx, %#llx): KVM_SET_USER_MEMORY_REGION(slot %u) = %s",
		  (unsigned long long)r->start,
		  (unsigned long long)(r->start + r->size), slot,
		  ret ? strerror(-ret) : "0");
	return ret;
}

/*
 * Delete the late range's memslot.  The memory stays mapped in the VMM but
 * is a hole for the guest and for the hypercall handlers; a plug maps it
 * afresh, so nothing written before shows through.
 */
int vm_unplug_late(void *ctx, const struct mem_range *r)
{
	struct vm *vm = ctx;
	int ret = set_region(vm, vm->late_slot, r, 0);

	vmm_trace("mem unplug [%#llx, %#llx): KVM_SET_USER_MEMORY_REGION(slot %u, size 0) = %s",
		  (unsigned long long)r->start,
		  (unsigned long long)(r->start + r->size), vm->late_slot,
		  ret ? strerror(-ret) : "0");
	return ret;
}

int vm_create(struct vm *vm, const struct vmm_config *cfg)
{
	uint64_t idmap = KVM_IDENTITY_MAP_GPA;
	int ret;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		vmm_err("/dev/kvm: %s", strerror(errno));
		/* No KVM at all is a host without the capability. */
		return errno == ENOENT || errno == ENODEV || errno == ENXIO ?
		       RIG_EXIT_SKIP : RIG_EXIT_HOST;
	}
	ret = check_caps(vm, cfg);
	if (ret)
		return ret;

	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return host_err("KVM_CREATE_VM");
	/* KVM takes the ring only before the first vCPU exists. */
	ret = dirty_ring_vm_create(vm, cfg);
	if (ret)
		return ret;
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_GPA))
		return host_err("KVM_SET_TSS_ADDR");
	if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap))
		return host_err("KVM_SET_IDENTITY_MAP_ADDR");
	/*
	 * Later cases halt until the LAPIC timer fires, and both upcall paths
	 * and SCHEDOP_poll need KVM's LAPIC: it must be in-kernel.
	 */
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0))
		return host_err("KVM_CREATE_IRQCHIP");
	ret = create_slots(vm);
	if (ret)
		return ret;
	if (!cfg->no_xen)
		return xen_config(vm);
	return 0;
}

static void flat_segment(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->dpl = 0;
	s->db = 1;
	s->s = 1;
	s->l = 0;
	s->g = 1;
}

/* The machine state multiboot-1 promises at the entry point. */
static int set_boot_regs(struct vm *vm, uint32_t entry)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs))
		return host_err("KVM_GET_SREGS");
	flat_segment(&sregs.cs, 0x08, 0xb);	/* code, execute/read, accessed */
	flat_segment(&sregs.ds, 0x10, 0x3);	/* data, read/write, accessed */
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.cr0 = X86_CR0_PE | X86_CR0_ET;
	sregs.cr3 = 0;
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs))
		return host_err("KVM_SET_SREGS");

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	regs.rip = entry;
	regs.rax = MB_BOOT_MAGIC;
	regs.rbx = RIG_MBI_GPA;
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs))
		return host_err("KVM_SET_REGS");
	return 0;
}

/*
 * vCPU @id with the same CPUID as every other.  KVM keeps any but vCPU 0
 * (its BSP) in wait-for-SIPI: the guest starts it through the LAPIC.
 */
static int vcpu_create_one(struct vm *vm, const struct kvm_cpuid2 *cpuid,
			   unsigned int id)
{
	struct vm_vcpu *vc = &vm->vcpu[id];
	int size;

	vc->id = id;
	vc->vm = vm;
	vc->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (vc->fd < 0)
		return host_err("KVM_CREATE_VCPU");
	vm->nr_vcpus = id + 1;
	if (dirty_ring_vcpu_created(vm, vc->fd))
		return RIG_EXIT_HOST;
	size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run))
		return host_err("KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = size;
	vc->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vc->fd, 0);
	if (vc->run == MAP_FAILED) {
		vc->run = NULL;
		return host_err("mmap of kvm_run");
	}
	if (ioctl(vc->fd, KVM_SET_CPUID2, cpuid))
		return host_err("KVM_SET_CPUID2");
	return 0;
}

int vcpu_create(struct vm *vm, const struct vmm_config *cfg, uint32_t entry)
{
	unsigned int id, n = cfg->nr_vcpus ? cfg->nr_vcpus : 1;
	struct kvm_cpuid2 *cpuid;
	int ret = 0;

	cpuid = cpuid_get_supported(vm->kvm_fd);
	if (!cpuid)
		return RIG_EXIT_HOST;
	cpuid_make_xen(cpuid, cfg);
	for (id = 0; id < n && !ret; id++)
		ret = vcpu_create_one(vm, cpuid, id);
	free(cpuid);
	vm->vcpu_fd = vm->vcpu[0].fd;
	vm->run = vm->vcpu[0].run;
	if (ret)
		return ret;

	return set_boot_regs(vm, entry);
}

/* --clock: the guest's kvmclock (Xen's system time) starts at @ns. */
int vm_set_clock(struct vm *vm, uint64_t ns)
{
	struct kvm_clock_data data = { .clock = ns };

	if (ioctl(vm->vm_fd, KVM_SET_CLOCK, &data))
		return host_err("KVM_SET_CLOCK");
	vmm_trace("kvmclock set to %llu ns", (unsigned long long)ns);
	return 0;
}

void vm_destroy(struct vm *vm)
{
	unsigned int id;

	dirty_ring_destroy(vm->ring);
	for (id = 0; id < vm->nr_vcpus; id++) {
		if (vm->vcpu[id].run)
			munmap(vm->vcpu[id].run, vm->run_size);
		if (vm->vcpu[id].fd >= 0)
			close(vm->vcpu[id].fd);
		vm->vcpu[id].run = NULL;
		vm->vcpu[id].fd = -1;
	}
	vm->nr_vcpus = 0;
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->run = NULL;
	vm->vcpu_fd = vm->vm_fd = vm->kvm_fd = -1;
}
