#include "common/util/vm_name.h"

#include "common/limits.h"

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '_' || c == '-';
}

bool vm_name_valid(const char *name, size_t len)
{
	if (len < LIMIT_VM_NAME_MIN || len > LIMIT_VM_NAME_MAX) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (!name_char_ok(name[i])) {
			return false;
		}
	}
	return true;
}
