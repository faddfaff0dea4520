/*
 * vchan addresses as written in the config: "socket:/abs/dir" or "xen:N".
 * Parsing is strict so that one channel has exactly one spelling, which
 * is what vchan_address_equal relies on to match a VM to its config.
 *
 * A xen: address names the domain at the other end: dom0's config names
 * each VM (xen:1 and up), a VM's agent names dom0 (xen:0). Which of them a
 * side may name is its own rule (compositor/config.c refuses xen:0 for a
 * VM; the Xen backend's client refuses it too).
 */
#include "common/vchan/vchan.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/vchan/vchan_impl.h"

#define SOCKET_SCHEME "socket:"
#define XEN_SCHEME "xen:"
/* Xen's DOMID_FIRST_RESERVED: ids from here on are not guests. */
#define XEN_DOMID_LIMIT 32752

static bool parse_socket_dir(const char *dir, struct vchan_address *addr)
{
	if (dir[0] != '/') {
		return false;
	}
	size_t len = strlen(dir);
	/* One spelling per directory: "/run/x/" is "/run/x". */
	while (len > 1 && dir[len - 1] == '/') {
		len--;
	}
	/* Room for "/vchan-PORT.sock" and the NUL in sun_path. */
	if (len > VCHAN_PATH_MAX - 1 - VCHAN_SOCKET_SUFFIX_MAX) {
		return false;
	}
	memcpy(addr->socket_dir, dir, len);
	addr->socket_dir[len] = '\0';
	addr->domid = 0;
	addr->backend = VCHAN_BACKEND_SOCKET;
	return true;
}

static bool parse_domid(const char *digits, struct vchan_address *addr)
{
	/* Digits only, no leading zero, so "xen:7" is the one spelling;
	 * "xen:0" (dom0) is the one number that starts with 0. */
	if (digits[0] == '0' && digits[1] == '\0') {
		addr->backend = VCHAN_BACKEND_XEN;
		addr->socket_dir[0] = '\0';
		addr->domid = 0;
		return true;
	}
	if (digits[0] < '1' || digits[0] > '9') {
		return false;
	}
	long domid = 0;
	for (const char *c = digits; *c != '\0'; c++) {
		if (*c < '0' || *c > '9') {
			return false;
		}
		domid = domid * 10 + (*c - '0');
		if (domid >= XEN_DOMID_LIMIT) {
			return false;
		}
	}
	addr->backend = VCHAN_BACKEND_XEN;
	addr->socket_dir[0] = '\0';
	addr->domid = (int)domid;
	return true;
}

bool vchan_address_parse(const char *str, struct vchan_address *addr)
{
	if (str == NULL || addr == NULL) {
		return false;
	}
	/* Fill a copy so a failed parse leaves *addr as it was. */
	struct vchan_address parsed;
	memset(&parsed, 0, sizeof(parsed));
	bool ok;
	if (strncmp(str, SOCKET_SCHEME, strlen(SOCKET_SCHEME)) == 0) {
		ok = parse_socket_dir(str + strlen(SOCKET_SCHEME), &parsed);
	} else if (strncmp(str, XEN_SCHEME, strlen(XEN_SCHEME)) == 0) {
		ok = parse_domid(str + strlen(XEN_SCHEME), &parsed);
	} else {
		ok = false;
	}
	if (ok) {
		*addr = parsed;
	}
	return ok;
}

bool vchan_address_format(const struct vchan_address *addr, char *out, size_t size)
{
	if (addr == NULL || out == NULL || size == 0) {
		return false;
	}
	int n;
	switch (addr->backend) {
	case VCHAN_BACKEND_SOCKET:
		n = snprintf(out, size, "%s%s", SOCKET_SCHEME, addr->socket_dir);
		break;
	case VCHAN_BACKEND_XEN:
		n = snprintf(out, size, "%s%d", XEN_SCHEME, addr->domid);
		break;
	default:
		n = -1;
		break;
	}
	if (n < 0 || (size_t)n >= size) {
		out[0] = '\0';
		return false;
	}
	return true;
}

bool vchan_address_equal(const struct vchan_address *a, const struct vchan_address *b)
{
	if (a == NULL || b == NULL || a->backend != b->backend) {
		return false;
	}
	switch (a->backend) {
	case VCHAN_BACKEND_SOCKET:
		return strncmp(a->socket_dir, b->socket_dir, sizeof(a->socket_dir)) == 0;
	case VCHAN_BACKEND_XEN:
		return a->domid == b->domid;
	}
	return false;
}
