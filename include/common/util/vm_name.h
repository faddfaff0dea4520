/*
 * A VM's name as dom0 writes it (config sections, bridge option, title
 * prefixes): 1..LIMIT_VM_NAME_MAX characters of [A-Za-z0-9_-], so it can
 * never look like punctuation, a path or another VM's prefix.
 */
#ifndef COMMON_UTIL_VM_NAME_H
#define COMMON_UTIL_VM_NAME_H

#include <stdbool.h>
#include <stddef.h>

bool vm_name_valid(const char *name, size_t len);

#endif
