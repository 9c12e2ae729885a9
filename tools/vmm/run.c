// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU loops: KVM_RUN until an exit handler decides the outcome.
 *
 * The timeout is a SIGALRM whose handler is installed without SA_RESTART:
 * a vCPU halted in the kernel (cli; hlt) never comes back to user space on
 * its own, and only a signal makes KVM_RUN return, with EINTR.  The handler
 * also sets immediate_exit, for a signal that lands while the VMM is between
 * two KVM_RUN calls and would otherwise be missed.
 *
 * vCPU 0 runs in the main thread, any other in a thread of its own.  Every
 * exit is handled under vmm.lock.  The first vCPU whose handler ends the
 * run (or that sees the timeout) records the outcome and gets the others
 * out of KVM_RUN the same way, with VMM_KICK_SIGNAL and immediate_exit;
 * they see that the run has ended and stop.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <linux/kvm.h>

#include <rig/abi.h>

#include "dirty_ring.h"
#include "hcall_kvm.h"
#include "log.h"
#include "run.h"
#include "xen.h"

static volatile sig_atomic_t timed_out;
static struct vm *volatile alarm_vm;

static void on_alarm(int sig)
{
	struct vm *vm = alarm_vm;
	unsigned int id;

	timed_out = 1;
	if (!vm)
		return;
	for (id = 0; id < vm->nr_vcpus; id++)
		if (vm->vcpu[id].run)
			vm->vcpu[id].run->immediate_exit = 1;
}

/* Only there to interrupt KVM_RUN. */
static void on_kick(int sig)
{
}

static int arm_timeout(struct vmm *v)
{
	struct sigaction sa;
	struct itimerval it = { .it_value.tv_sec = v->cfg.timeout };

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: KVM_RUN must see EINTR */
	sa.sa_handler = on_kick;
	if (v->vm.nr_vcpus > 1 && sigaction(VMM_KICK_SIGNAL, &sa, NULL)) {
		vmm_err("cannot install the kick signal: %s", strerror(errno));
		return RIG_EXIT_HOST;
	}
	if (!v->cfg.timeout)
		return 0;
	alarm_vm = &v->vm;
	sa.sa_handler = on_alarm;
	if (sigaction(SIGALRM, &sa, NULL) || setitimer(ITIMER_REAL, &it, NULL)) {
		vmm_err("cannot arm the timeout: %s", strerror(errno));
		return RIG_EXIT_HOST;
	}
	return 0;
}

static bool test_and_set_logged(uint8_t *map, uint16_t port)
{
	bool was = map[port / 8] & (1u << (port % 8));

	map[port / 8] |= 1u << (port % 8);
	return was;
}

/* The control port with the calling vCPU's command state and sources. */
static int ctl_exit(struct vmm *v, struct vm_vcpu *vc, uint16_t port,
		   bool out, void *data, unsigned int size, unsigned int count)
{
	int ret;

	v->ctl.data = vc->ctl_data;
	v->ctl.last_longmode = vc->last_longmode;
	v->ctl.hcall_count = vc->hcall_count;
	ret = ctlport_pio(&v->ctl, port, out, data, size, count);
	vc->ctl_data = v->ctl.data;
	return ret;
}

static int io_exit(struct vmm *v, struct vm_vcpu *vc, struct kvm_run *run)
{
	uint16_t port = run->io.port;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	unsigned int size = run->io.size, count = run->io.count;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;

	/* KVM promises this; a bad value would make us write past kvm_run. */
	if (run->io.data_offset + (uint64_t)size * count > v->vm.run_size) {
		vmm_diag("KVM_EXIT_IO data out of bounds (port %#x)", port);
		return RIG_EXIT_HOST;
	}

	if (port >= RIG_COM1 && port < RIG_COM1 + UART_NR_PORTS) {
		serial_pio(&v->serial, port - RIG_COM1, out, data, size, count);
		return VMM_CONTINUE;
	}
	if (port == RIG_PORT_CMD || port == RIG_PORT_DATA)
		return ctl_exit(v, vc, port, out, data, size, count);

	/* Nothing there: reads float high, as on a real bus. */
	if (!test_and_set_logged(v->port_logged, port))
		vmm_trace("unhandled port %s %#x (size %u), not logged again",
			  out ? "write to" : "read from", port, size);
	if (!out)
		memset(data, 0xff, (size_t)size * count);
	return VMM_CONTINUE;
}

static int mmio_exit(struct vmm *v, struct kvm_run *run)
{
	if (!v->mmio_logged) {
		v->mmio_logged = true;
		vmm_trace("unhandled MMIO %s at %#llx (len %u), further MMIO not logged",
			  run->mmio.is_write ? "write" : "read",
			  (unsigned long long)run->mmio.phys_addr,
			  run->mmio.len);
	}
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
	return VMM_CONTINUE;
}

static unsigned long long vcpu_rip(struct vm_vcpu *vc)
{
	struct kvm_regs regs;

	if (ioctl(vc->fd, KVM_GET_REGS, &regs))
		return ~0ull;
	return regs.rip;
}

/*
 * On SVM, KVM reinitialises the vCPU before reporting the shutdown, so the
 * registers read back are the reset state; say so rather than print a rip
 * that looks like the culprit.
 */
static int triple_fault(struct vm_vcpu *vc)
{
	struct kvm_sregs sregs;
	unsigned long long rip = vcpu_rip(vc);

	if (vc->id)
		vmm_diag("vcpu %u:", vc->id);
	if (!ioctl(vc->fd, KVM_GET_SREGS, &sregs) &&
	    sregs.cs.base == 0xffff0000 && rip == 0xfff0)
		vmm_diag("triple fault (rip lost: KVM already reset the vCPU)");
	else
		vmm_diag("triple fault at rip %#llx", rip);
	return RIG_EXIT_TRIPLE;
}

static int internal_error(struct vm_vcpu *vc, struct kvm_run *run)
{
	char buf[160];
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < run->internal.ndata && i < 4; i++)
		n += snprintf(buf + n, sizeof(buf) - n, " %#llx",
			      (unsigned long long)run->internal.data[i]);
	vmm_diag("KVM internal error, suberror %u, rip %#llx, data:%s",
		 run->internal.suberror, vcpu_rip(vc), buf);
	return RIG_EXIT_TRIPLE;
}

static int entry_failure(struct vm_vcpu *vc, struct kvm_run *run)
{
	unsigned long long reason = run->fail_entry.hardware_entry_failure_reason;

	vmm_diag("vCPU entry failed, hardware reason %#llx, rip %#llx",
		 reason, vcpu_rip(vc));
	return RIG_EXIT_TRIPLE;
}

static int handle_exit(struct vmm *v, struct vm_vcpu *vc, struct kvm_run *run)
{
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return io_exit(v, vc, run);
	case KVM_EXIT_MMIO:
		return mmio_exit(v, run);
	case KVM_EXIT_XEN:
		return xen_exit(v, vc);
	case KVM_EXIT_DIRTY_RING_FULL:
		return dirty_ring_full_exit(v->vm.ring);
	case KVM_EXIT_SHUTDOWN:
		return triple_fault(vc);
	case KVM_EXIT_INTERNAL_ERROR:
		return internal_error(vc, run);
	case KVM_EXIT_FAIL_ENTRY:
		return entry_failure(vc, run);
	case KVM_EXIT_HLT:
		/* The in-kernel LAPIC handles HLT; seeing it means it is not. */
		vmm_diag("unexpected HLT exit at rip %#llx", vcpu_rip(vc));
		return RIG_EXIT_HOST;
	case KVM_EXIT_SYSTEM_EVENT:
		vmm_diag("system event %u", run->system_event.type);
		return run->system_event.type == KVM_SYSTEM_EVENT_CRASH ?
		       RIG_EXIT_CRASH : RIG_EXIT_OTHER;
	default:
		vmm_diag("unexpected exit reason %u at rip %#llx",
			 run->exit_reason, vcpu_rip(vc));
		return RIG_EXIT_HOST;
	}
}

/*
 * The run is over with @ret unless another vCPU ended it first; get every
 * other vCPU out of KVM_RUN.  Called with the lock held.
 */
static void end_run(struct vmm *v, struct vm_vcpu *vc, int ret)
{
	unsigned int id;

	if (v->ended)
		return;
	v->ended = true;
	v->result = ret;
	for (id = 0; id < v->vm.nr_vcpus; id++) {
		struct vm_vcpu *o = &v->vm.vcpu[id];

		if (o == vc || !o->started)
			continue;
		__atomic_store_n(&o->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		pthread_kill(o->thread, VMM_KICK_SIGNAL);
	}
}

static void vcpu_loop(struct vmm *v, struct vm_vcpu *vc)
{
	struct kvm_run *run = vc->run;
	int ret;

	for (;;) {
		if (timed_out) {
			pthread_mutex_lock(&v->lock);
			if (!v->ended)
				vmm_diag("timeout after %u s", v->cfg.timeout);
			end_run(v, vc, RIG_EXIT_TIMEOUT);
			pthread_mutex_unlock(&v->lock);
			return;
		}
		if (ioctl(vc->fd, KVM_RUN, 0)) {
			if (errno == EINTR || errno == EAGAIN) {
				__atomic_store_n(&run->immediate_exit, 0,
						 __ATOMIC_SEQ_CST);
				/*
				 * A kick: wait for the kicker's handler to
				 * finish with this vCPU, or see the run end.
				 */
				pthread_mutex_lock(&v->lock);
				ret = v->ended;
				pthread_mutex_unlock(&v->lock);
				if (ret)
					return;
				continue;
			}
			if (vc->id)
				vmm_err("KVM_RUN (vcpu %u): %s", vc->id,
					strerror(errno));
			else
				vmm_err("KVM_RUN: %s", strerror(errno));
			ret = RIG_EXIT_HOST;
		} else {
			pthread_mutex_lock(&v->lock);
			ret = v->ended ? RIG_EXIT_OTHER :
			      handle_exit(v, vc, run);
			/* COM1 or console_io hit the cap: the rest would be lost. */
			if (ret == VMM_CONTINUE && v->serial.capped)
				ret = RIG_EXIT_OUTPUT_CAP;
			pthread_mutex_unlock(&v->lock);
			if (ret == VMM_CONTINUE)
				continue;
		}
		pthread_mutex_lock(&v->lock);
		end_run(v, vc, ret);
		pthread_mutex_unlock(&v->lock);
		return;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vm_vcpu *vc = arg;
	struct vmm *v = vc->vm->vmm;

	vcpu_loop(v, vc);
	return NULL;
}

int vmm_run(struct vmm *v)
{
	struct vm_vcpu *vc;
	unsigned int id;
	int ret;

	ret = arm_timeout(v);
	if (ret)
		return ret;

	v->vm.vmm = v;
	v->vm.vcpu[0].thread = pthread_self();
	v->vm.vcpu[0].started = true;
	pthread_mutex_lock(&v->lock);
	for (id = 1; id < v->vm.nr_vcpus; id++) {
		vc = &v->vm.vcpu[id];
		ret = pthread_create(&vc->thread, NULL, vcpu_thread, vc);
		if (ret) {
			vmm_err("cannot start vcpu %u's thread: %s", id,
				strerror(ret));
			end_run(v, &v->vm.vcpu[0], RIG_EXIT_HOST);
			break;
		}
		vc->started = true;
	}
	pthread_mutex_unlock(&v->lock);

	if (!v->ended)
		vcpu_loop(v, &v->vm.vcpu[0]);

	for (id = 1; id < v->vm.nr_vcpus; id++) {
		vc = &v->vm.vcpu[id];
		if (vc->started)
			pthread_join(vc->thread, NULL);
		vc->started = false;
	}
	v->vm.vcpu[0].started = false;
	return v->result;
}
