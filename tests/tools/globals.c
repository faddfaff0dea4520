/*
 * Lists the globals a Wayland client is offered, one interface name a
 * line. The end-to-end tests run it twice: as a dom0 client, and in place
 * of mullion-bridge (so on the socket the compositor hands a VM), to see
 * what the global filter lets each of them bind.
 *
 * The compositor starts a bridge with bridge options; they are ignored.
 * MULLION_TEST_GLOBALS_OUT names the file to write (stdout otherwise),
 * written whole under a temporary name and renamed, so a reader never
 * sees half a list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-client.h>

struct listing {
	FILE *out;
};

static void handle_global(void *data, struct wl_registry *registry, uint32_t name,
	const char *interface, uint32_t version)
{
	struct listing *listing = data;
	fprintf(listing->out, "%s\n", interface);
}

static void handle_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = handle_global,
	.global_remove = handle_global_remove,
};

int main(int argc, char *argv[])
{
	const char *path = getenv("MULLION_TEST_GLOBALS_OUT");
	char tmp_path[4096];
	struct listing listing = { .out = stdout };
	if (path) {
		if (snprintf(tmp_path, sizeof(tmp_path), "%s.tmp", path) >= (int)sizeof(tmp_path)) {
			fprintf(stderr, "globals: path too long\n");
			return 2;
		}
		listing.out = fopen(tmp_path, "w");
		if (!listing.out) {
			perror("globals: cannot write the list");
			return 2;
		}
	}

	struct wl_display *display = wl_display_connect(NULL);
	if (!display) {
		fprintf(stderr, "globals: cannot connect to the compositor\n");
		return 2;
	}
	struct wl_registry *registry = wl_display_get_registry(display);
	wl_registry_add_listener(registry, &registry_listener, &listing);
	if (wl_display_roundtrip(display) < 0) {
		fprintf(stderr, "globals: connection lost\n");
		return 2;
	}
	wl_registry_destroy(registry);
	wl_display_disconnect(display);

	if (path) {
		if (fclose(listing.out) != 0 || rename(tmp_path, path) != 0) {
			perror("globals: cannot write the list");
			return 2;
		}
	}
	return 0;
}
