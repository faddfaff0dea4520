/*
 * The config parser on arbitrary text, through config_load_string, the
 * entry point config_load also ends in. Besides memory errors and undefined
 * behaviour, it aborts if a result breaks what config.h promises: an error
 * is a terminated line naming the file, and a config that loads holds only
 * names and counts within their bounds.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-util.h>

#include "compositor/config.h"
#include "common/util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define NAME "fuzz.conf"

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_config: %s\n", what);
	abort();
}

static bool name_ok(const char *name)
{
	return memchr(name, '\0', CONFIG_NAME_MAX) != NULL;
}

static void check_config(const struct config *config)
{
	if (config->label_count > CONFIG_MAX_LABELS) {
		fail("label_count over CONFIG_MAX_LABELS");
	}
	for (size_t i = 0; i < config->label_count; i++) {
		if (!name_ok(config->labels[i].name) || config->labels[i].rgb > 0xffffffu) {
			fail("a label name or colour is out of bounds");
		}
	}
	size_t count = 0;
	const struct config_vm *vm;
	wl_list_for_each(vm, &config->vms, link) {
		if (!name_ok(vm->name) || vm->name[0] == '\0' || !name_ok(vm->label) ||
			vm->rgb > 0xffffffu) {
			fail("a VM's name, label or colour is out of bounds");
		}
		if (config_find_vm(config, vm->name) != vm) {
			fail("config_find_vm does not find a VM by its name");
		}
		count++;
	}
	if (count != config->vm_count) {
		fail("vm_count differs from the VM list");
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* Every refused input logs otherwise; the error text is checked. */
	mlog_init("fuzz", MLOG_SILENT);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (text == NULL) {
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';

	char error[CONFIG_ERROR_MAX];
	memset(error, 'x', sizeof(error));
	struct config *config = config_load_string(text, NAME, error, sizeof(error));
	if (config == NULL) {
		if (memchr(error, '\0', sizeof(error)) == NULL) {
			fail("error message not NUL-terminated");
		}
		if (strncmp(error, NAME ":", strlen(NAME ":")) != 0) {
			fail("error message does not start with the file name");
		}
	} else {
		check_config(config);
	}
	config_destroy(config);
	free(text);
	return 0;
}
