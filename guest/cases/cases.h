/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GUEST_CASES_H
#define GUEST_CASES_H

#include "guest.h"

void case_smoke(const struct guest_config *cfg);
void case_crash_triple_fault(const struct guest_config *cfg);
void case_crash_exception(const struct guest_config *cfg);
void case_hang(const struct guest_config *cfg);
void case_fail_demo(const struct guest_config *cfg);
void case_runstate_sweep(const struct guest_config *cfg);
void case_runstate_ram_end(const struct guest_config *cfg);
void case_runstate_split(const struct guest_config *cfg);
void case_runstate_time(const struct guest_config *cfg);
void case_runstate_preempt(const struct guest_config *cfg);
void case_runstate_update_flag(const struct guest_config *cfg);
void case_runstate_addr(const struct guest_config *cfg);
void case_vcpu_info(const struct guest_config *cfg);
void case_hcall_page(const struct guest_config *cfg);
void case_hcall_page_unplug(const struct guest_config *cfg);
void case_wordsize_grow(const struct guest_config *cfg);
void case_wordsize_shrink(const struct guest_config *cfg);
void case_kexec(const struct guest_config *cfg);
void case_kexec_stage2(const struct guest_config *cfg);
void case_hostile(const struct guest_config *cfg);
void case_flood(const struct guest_config *cfg);

#endif /* GUEST_CASES_H */
