// SPDX-License-Identifier: GPL-2.0
/*
 * The hypercall handlers' KVM calls (struct hcall_ops) as the real ioctls on
 * the rig's VM and its vCPUs, and the periodic timer KVM does not have.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>

#include "hcall_kvm.h"
#include "kvm_xen_uapi.h"

#define MSR_IA32_APICBASE		0x1b
#define MSR_IA32_APICBASE_ENABLE	(1u << 11)
#define APIC_SPIV			0xf0
#define APIC_SPIV_APIC_ENABLED		(1u << 8)

static int ioctl_ret(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

/*
 * Get @vc out of KVM_RUN, if another thread runs it: a vCPU ioctl waits for
 * the vCPU's mutex, which KVM_RUN holds, and a halted vCPU or one waiting
 * for SIPI would never let go.  immediate_exit covers a thread between two
 * KVM_RUNs; once out, it waits for the exit lock, which the caller holds,
 * so it cannot go back in before the caller's ioctl is done.
 */
static int vcpu_kick(void *ctx)
{
	struct vm_vcpu *vc = ctx;
	int ret;

	if (!vc->started || pthread_equal(vc->thread, pthread_self()))
		return 0;
	__atomic_store_n(&vc->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	ret = pthread_kill(vc->thread, VMM_KICK_SIGNAL);
	return -ret;
}

/* The vCPU's fd, its thread out of KVM_RUN. */
static int vcpu_fd(void *ctx)
{
	struct vm_vcpu *vc = ctx;

	vcpu_kick(vc);
	return vc->fd;
}

static int vcpu_set_attr(void *ctx, const struct kvm_xen_vcpu_attr *a)
{
	return ioctl_ret(vcpu_fd(ctx), KVM_XEN_VCPU_SET_ATTR, (void *)a);
}

static int vcpu_get_attr(void *ctx, struct kvm_xen_vcpu_attr *a)
{
	return ioctl_ret(vcpu_fd(ctx), KVM_XEN_VCPU_GET_ATTR, a);
}

static int hvm_set_attr(void *ctx, const struct kvm_xen_hvm_attr *a)
{
	const struct vm *vm = ctx;

	return ioctl_ret(vm->vm_fd, KVM_XEN_HVM_SET_ATTR, (void *)a);
}

/* KVM walks the vCPU's current paging mode; with paging off gpa == gva. */
static int translate(void *ctx, uint64_t gva, uint64_t *gpa)
{
	struct kvm_translation tr = { .linear_address = gva };
	int ret = ioctl_ret(vcpu_fd(ctx), KVM_TRANSLATE, &tr);

	if (ret)
		return ret;
	if (!tr.valid)
		return -EFAULT;
	*gpa = tr.physical_address;
	return 0;
}

/* The kvmclock KVM's runstate times are kept in. */
static int get_clock(void *ctx, uint64_t *ns)
{
	const struct vm *vm = ctx;
	struct kvm_clock_data data = { 0 };
	int ret = ioctl_ret(vm->vm_fd, KVM_GET_CLOCK, &data);

	if (!ret)
		*ns = data.clock;
	return ret;
}

static int hvm_get_attr(void *ctx, struct kvm_xen_hvm_attr *a)
{
	const struct vm *vm = ctx;

	return ioctl_ret(vm->vm_fd, KVM_XEN_HVM_GET_ATTR, a);
}

static int evtchn_send(void *ctx, const struct kvm_irq_routing_xen_evtchn *e)
{
	const struct vm *vm = ctx;

	return ioctl_ret(vm->vm_fd, KVM_XEN_HVM_EVTCHN_SEND, (void *)e);
}

static int set_mp_state(void *ctx, uint32_t state)
{
	struct kvm_mp_state mp = { .mp_state = state };

	return ioctl_ret(vcpu_fd(ctx), KVM_SET_MP_STATE, &mp);
}

static int get_mp_state(void *ctx, uint32_t *state)
{
	struct kvm_mp_state mp = { 0 };
	int ret = ioctl_ret(vcpu_fd(ctx), KVM_GET_MP_STATE, &mp);

	*state = mp.mp_state;
	return ret;
}

/* Enabled in the APIC base MSR and by software, in SPIV: what Xen checks. */
static int lapic_enabled(void *ctx)
{
	int fd = vcpu_fd(ctx);
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry entry;
	} msrs = { .hdr.nmsrs = 1, .entry.index = MSR_IA32_APICBASE };
	struct kvm_lapic_state lapic;
	uint32_t spiv;

	if (ioctl(fd, KVM_GET_MSRS, &msrs) != 1)
		return -EIO;
	if (!(msrs.entry.data & MSR_IA32_APICBASE_ENABLE))
		return 0;
	if (ioctl(fd, KVM_GET_LAPIC, &lapic))
		return -errno;
	memcpy(&spiv, lapic.regs + APIC_SPIV, sizeof(spiv));
	return !!(spiv & APIC_SPIV_APIC_ENABLED);
}

/* Fixed delivery, edge, physical destination @apic_id. */
static int signal_msi(void *ctx, uint32_t apic_id, uint8_t vector)
{
	const struct vm *vm = ctx;
	struct kvm_msi msi = {
		.address_lo = 0xfee00000u | (apic_id & 0xff) << 12,
		.data = vector,
	};
	int ret = ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi);

	return ret < 0 ? -errno : ret;
}

/*
 * Xen's periodic timer: a thread that raises the port with
 * KVM_XEN_HVM_EVTCHN_SEND, a VM ioctl any thread may make.  After each
 * event the next is one period from then, as Xen re-arms it.  Started on
 * first use, stopped by hcall_kvm_stop().
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool started, stop;
	bool sending;			/* in the ioctl, the lock dropped */
	int vm_fd;
	uint32_t port, apic_id;
	uint64_t period;		/* 0: off */
	struct timespec next;		/* CLOCK_MONOTONIC */
	unsigned long gen;		/* bumped by every change */
} periodic = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct timespec ts_add(struct timespec t, uint64_t ns)
{
	ns += t.tv_nsec;
	t.tv_sec += ns / 1000000000;
	t.tv_nsec = ns % 1000000000;
	return t;
}

static void *periodic_thread(void *arg)
{
	struct kvm_irq_routing_xen_evtchn e = {
		.priority = KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL,
	};
	struct timespec now;
	unsigned long gen;

	pthread_mutex_lock(&periodic.lock);
	while (!periodic.stop) {
		if (!periodic.period) {
			pthread_cond_wait(&periodic.cond, &periodic.lock);
			continue;
		}
		gen = periodic.gen;
		if (pthread_cond_timedwait(&periodic.cond, &periodic.lock,
					   &periodic.next) != ETIMEDOUT ||
		    gen != periodic.gen || periodic.stop)
			continue;
		e.port = periodic.port;
		e.vcpu = periodic.apic_id;
		if (e.port) {
			periodic.sending = true;
			pthread_mutex_unlock(&periodic.lock);
			ioctl(periodic.vm_fd, KVM_XEN_HVM_EVTCHN_SEND, &e);
			pthread_mutex_lock(&periodic.lock);
			periodic.sending = false;
			pthread_cond_broadcast(&periodic.cond);
		}
		if (gen != periodic.gen)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		periodic.next = ts_add(now, periodic.period);
	}
	pthread_mutex_unlock(&periodic.lock);
	return NULL;
}

static int periodic_start(int vm_fd)
{
	pthread_condattr_t attr;
	sigset_t all, old;
	int ret;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&periodic.cond, &attr);
	pthread_condattr_destroy(&attr);
	periodic.vm_fd = vm_fd;
	/*
	 * The thread takes no signals: the timeout's SIGALRM must reach the
	 * vCPU thread, the only one it can get out of KVM_RUN.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&periodic.thread, NULL, periodic_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		return -ret;
	periodic.started = true;
	return 0;
}

static int periodic_timer(void *ctx, uint32_t port, uint32_t apic_id,
			  uint64_t first_ns, uint64_t period_ns)
{
	const struct vm *vm = ctx;
	struct kvm_clock_data clk = { 0 };
	struct timespec now;
	int64_t delay;
	int ret = 0;

	/* One timer, vCPU 0's: another vCPU's is refused, and logged. */
	if (apic_id != 0)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&periodic.lock);
	/* No event of the old setting may land after the guest changed it. */
	while (periodic.sending)
		pthread_cond_wait(&periodic.cond, &periodic.lock);
	if (period_ns && !periodic.started)
		ret = periodic_start(vm->vm_fd);
	if (!ret && period_ns) {
		/* From kvmclock to CLOCK_MONOTONIC: the delay from now. */
		ret = ioctl_ret(vm->vm_fd, KVM_GET_CLOCK, &clk);
		delay = (int64_t)(first_ns - clk.clock);
		clock_gettime(CLOCK_MONOTONIC, &now);
		periodic.next = ts_add(now, delay > 0 ? (uint64_t)delay : 0);
	}
	periodic.port = port;
	periodic.apic_id = apic_id;
	periodic.period = ret ? 0 : period_ns;
	periodic.gen++;
	if (periodic.started)
		pthread_cond_broadcast(&periodic.cond);
	pthread_mutex_unlock(&periodic.lock);
	return ret;
}

void hcall_kvm_stop(void)
{
	pthread_mutex_lock(&periodic.lock);
	periodic.stop = true;
	if (periodic.started)
		pthread_cond_broadcast(&periodic.cond);
	pthread_mutex_unlock(&periodic.lock);
	if (periodic.started)
		pthread_join(periodic.thread, NULL);
	periodic.started = false;
}

const struct hcall_ops hcall_kvm_ops = {
	.vcpu_set_attr = vcpu_set_attr,
	.vcpu_get_attr = vcpu_get_attr,
	.hvm_set_attr = hvm_set_attr,
	.translate = translate,
	.get_clock = get_clock,
	.hvm_get_attr = hvm_get_attr,
	.evtchn_send = evtchn_send,
	.set_mp_state = set_mp_state,
	.lapic_enabled = lapic_enabled,
	.signal_msi = signal_msi,
	.periodic_timer = periodic_timer,
	.get_mp_state = get_mp_state,
	.kick = vcpu_kick,
};
