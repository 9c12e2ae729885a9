// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU loop: KVM_RUN until an exit handler decides the outcome.
 *
 * The timeout is a SIGALRM whose handler is installed without SA_RESTART:
 * a vCPU halted in the kernel (cli; hlt) never comes back to user space on
 * its own, and only a signal makes KVM_RUN return, with EINTR.  The handler
 * also sets immediate_exit, for a signal that lands while the VMM is between
 * two KVM_RUN calls and would otherwise be missed.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <linux/kvm.h>

#include <rig/abi.h>

#include "dirty_ring.h"
#include "log.h"
#include "run.h"
#include "xen.h"

static volatile sig_atomic_t timed_out;
static struct kvm_run *volatile alarm_run;

static void on_alarm(int sig)
{
	timed_out = 1;
	if (alarm_run)
		alarm_run->immediate_exit = 1;
}

static int arm_timeout(struct vmm *v)
{
	struct sigaction sa;
	struct itimerval it = { .it_value.tv_sec = v->cfg.timeout };

	if (!v->cfg.timeout)
		return 0;
	alarm_run = v->vm.run;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: KVM_RUN must see EINTR */
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

static int io_exit(struct vmm *v, struct kvm_run *run)
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
		return ctlport_pio(&v->ctl, port, out, data, size, count);

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

static unsigned long long vcpu_rip(struct vmm *v)
{
	struct kvm_regs regs;

	if (ioctl(v->vm.vcpu_fd, KVM_GET_REGS, &regs))
		return ~0ull;
	return regs.rip;
}

/*
 * On SVM, KVM reinitialises the vCPU before reporting the shutdown, so the
 * registers read back are the reset state; say so rather than print a rip
 * that looks like the culprit.
 */
static int triple_fault(struct vmm *v)
{
	struct kvm_sregs sregs;
	unsigned long long rip = vcpu_rip(v);

	if (!ioctl(v->vm.vcpu_fd, KVM_GET_SREGS, &sregs) &&
	    sregs.cs.base == 0xffff0000 && rip == 0xfff0)
		vmm_diag("triple fault (rip lost: KVM already reset the vCPU)");
	else
		vmm_diag("triple fault at rip %#llx", rip);
	return RIG_EXIT_TRIPLE;
}

static int internal_error(struct vmm *v, struct kvm_run *run)
{
	char buf[160];
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < run->internal.ndata && i < 4; i++)
		n += snprintf(buf + n, sizeof(buf) - n, " %#llx",
			      (unsigned long long)run->internal.data[i]);
	vmm_diag("KVM internal error, suberror %u, rip %#llx, data:%s",
		 run->internal.suberror, vcpu_rip(v), buf);
	return RIG_EXIT_TRIPLE;
}

static int entry_failure(struct vmm *v, struct kvm_run *run)
{
	unsigned long long reason = run->fail_entry.hardware_entry_failure_reason;

	vmm_diag("vCPU entry failed, hardware reason %#llx, rip %#llx",
		 reason, vcpu_rip(v));
	return RIG_EXIT_TRIPLE;
}

static int handle_exit(struct vmm *v, struct kvm_run *run)
{
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return io_exit(v, run);
	case KVM_EXIT_MMIO:
		return mmio_exit(v, run);
	case KVM_EXIT_XEN:
		return xen_exit(v);
	case KVM_EXIT_DIRTY_RING_FULL:
		return dirty_ring_full_exit(v->vm.ring);
	case KVM_EXIT_SHUTDOWN:
		return triple_fault(v);
	case KVM_EXIT_INTERNAL_ERROR:
		return internal_error(v, run);
	case KVM_EXIT_FAIL_ENTRY:
		return entry_failure(v, run);
	case KVM_EXIT_HLT:
		/* The in-kernel LAPIC handles HLT; seeing it means it is not. */
		vmm_diag("unexpected HLT exit at rip %#llx", vcpu_rip(v));
		return RIG_EXIT_HOST;
	case KVM_EXIT_SYSTEM_EVENT:
		vmm_diag("system event %u", run->system_event.type);
		return run->system_event.type == KVM_SYSTEM_EVENT_CRASH ?
		       RIG_EXIT_CRASH : RIG_EXIT_OTHER;
	default:
		vmm_diag("unexpected exit reason %u at rip %#llx",
			 run->exit_reason, vcpu_rip(v));
		return RIG_EXIT_HOST;
	}
}

int vmm_run(struct vmm *v)
{
	struct kvm_run *run = v->vm.run;
	int ret;

	ret = arm_timeout(v);
	if (ret)
		return ret;

	for (;;) {
		if (timed_out)
			break;
		if (ioctl(v->vm.vcpu_fd, KVM_RUN, 0)) {
			if (errno == EINTR || errno == EAGAIN) {
				run->immediate_exit = 0;
				continue;
			}
			vmm_err("KVM_RUN: %s", strerror(errno));
			return RIG_EXIT_HOST;
		}
		ret = handle_exit(v, run);
		if (ret != VMM_CONTINUE)
			return ret;
		/* COM1 or console_io hit the cap: the rest would be lost. */
		if (v->serial.capped)
			return RIG_EXIT_OUTPUT_CAP;
	}

	vmm_diag("timeout after %u s", v->cfg.timeout);
	return RIG_EXIT_TIMEOUT;
}
