// SPDX-License-Identifier: GPL-2.0
/*
 * The multiboot/ELF loader against arbitrary images: mb_load(), then the
 * boot information and modules on top of whatever it accepted.
 *
 * Input: ram selector, module count, command-line length and bytes, one
 * 32-bit length per module, then the image.  Modules are slices of the
 * image, as the loader only copies them.  Guest RAM is an allocation of
 * exactly its size, so any access past it is an ASan report.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rig/abi.h>

#include "input.h"
#include "loader.h"

#define MAX_MODS	4

/* 17 MiB reaches past RIG_MODULE_GPA, so modules can be placed at all. */
static const size_t ram_sizes[] = { 2u << 20, 3u << 20, 17u << 20 };
#define NR_RAMS (sizeof(ram_sizes) / sizeof(ram_sizes[0]))
static uint8_t *rams[NR_RAMS];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct mb_module mods[MAX_MODS];
	static const char *const names[MAX_MODS] = {
		"a", "hvm32.elf", "", "a-module-with-a-longer-name.bin",
	};
	char cmdline[256], err[256];
	unsigned int sel, nmods, i;
	struct mb_image img;
	uint32_t modlen[MAX_MODS];
	uint64_t end;
	size_t cmdlen;
	uint8_t *ram;

	sel = in_u8(&in) % NR_RAMS;
	nmods = in_u8(&in) % (MAX_MODS + 1);
	cmdlen = in_u8(&in);
	in_bytes(&in, cmdline, cmdlen < sizeof(cmdline) ? cmdlen : sizeof(cmdline) - 1);
	cmdline[cmdlen < sizeof(cmdline) ? cmdlen : sizeof(cmdline) - 1] = '\0';
	for (i = 0; i < nmods; i++)
		modlen[i] = in_u32(&in);

	if (!rams[sel]) {
		rams[sel] = malloc(ram_sizes[sel]);
		if (!rams[sel])
			abort();
	}
	ram = rams[sel];

	/* A private copy: the loader must not depend on the buffer's tail. */
	uint8_t *file = malloc(in.left ? in.left : 1);

	if (!file)
		abort();
	memcpy(file, in.p, in.left);
	if (mb_load(file, in.left, ram, ram_sizes[sel], &img, err, sizeof(err)))
		goto out;
	if (mb_write_info(ram, ram_sizes[sel], cmdline, err, sizeof(err)))
		goto out;
	for (i = 0; i < nmods; i++) {
		mods[i].data = file;
		mods[i].len = modlen[i] <= in.left ? modlen[i] : in.left;
		mods[i].name = names[i];
	}
	mb_add_modules(ram, ram_sizes[sel], &img, mods, nmods, &end, err,
		       sizeof(err));
out:
	free(file);
	return 0;
}
