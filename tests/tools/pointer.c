/*
 * Moves, clicks and scrolls at screen coordinates through
 * zwlr_virtual_pointer_v1, as a dom0 client: the pointer half of what the
 * end-to-end tests inject (wtype types the keys).
 *
 * Usage: mullion-test-pointer [--size WxH] ACTION [ACTION...]
 *   move X Y
 *   click X Y [left|right|middle]
 *   press [left|right|middle]
 *   release [left|right|middle]
 *   scroll X Y DY [--discrete N] [--source wheel|finger] [--horizontal] [--stop]
 *
 * X Y are output coordinates, sent as motion_absolute with the extent
 * --size (default 1280x720, the compositor's headless output). Every
 * action ends with a frame; the tool waits for the compositor to handle
 * all of them (a round trip) before it exits.
 */
#include <linux/input-event-codes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wayland-client.h>

#include "wlr-virtual-pointer-unstable-v1-client-protocol.h"

static const char usage[] =
	"Usage: mullion-test-pointer [--size WxH] ACTION [ACTION...]\n"
	"  move X Y\n"
	"  click X Y [left|right|middle]\n"
	"  press [left|right|middle]\n"
	"  release [left|right|middle]\n"
	"  scroll X Y DY [--discrete N] [--source wheel|finger] [--horizontal] [--stop]\n"
	"X Y are output coordinates; --size is the output size (default 1280x720).\n";

struct tool {
	struct wl_seat *seat;
	struct zwlr_virtual_pointer_manager_v1 *manager;
	struct zwlr_virtual_pointer_v1 *pointer;
	uint32_t width, height;
};

static void handle_global(void *data, struct wl_registry *registry, uint32_t name,
	const char *interface, uint32_t version)
{
	struct tool *tool = data;
	if (strcmp(interface, zwlr_virtual_pointer_manager_v1_interface.name) == 0) {
		tool->manager = wl_registry_bind(registry, name,
			&zwlr_virtual_pointer_manager_v1_interface, 1);
	} else if (strcmp(interface, wl_seat_interface.name) == 0 && !tool->seat) {
		tool->seat = wl_registry_bind(registry, name, &wl_seat_interface, 1);
	}
}

static void handle_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = handle_global,
	.global_remove = handle_global_remove,
};

static uint32_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static bool parse_uint(const char *str, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long value = strtoul(str, &end, 10);
	if (*str < '0' || *str > '9' || *end || value > max) {
		return false;
	}
	*out = (uint32_t)value;
	return true;
}

static bool parse_double(const char *str, double *out)
{
	char *end;
	*out = strtod(str, &end);
	return end != str && !*end;
}

static bool parse_button(const char *name, uint32_t *button)
{
	if (strcmp(name, "left") == 0) {
		*button = BTN_LEFT;
	} else if (strcmp(name, "right") == 0) {
		*button = BTN_RIGHT;
	} else if (strcmp(name, "middle") == 0) {
		*button = BTN_MIDDLE;
	} else {
		return false;
	}
	return true;
}

/* An optional button name at argv[*i]; left when there is none. */
static bool take_button(int argc, char *argv[], int *i, uint32_t *button)
{
	*button = BTN_LEFT;
	if (*i < argc && parse_button(argv[*i], button)) {
		(*i)++;
	}
	return true;
}

static bool take_point(struct tool *tool, int argc, char *argv[], int *i, uint32_t *x, uint32_t *y)
{
	if (*i + 2 > argc || !parse_uint(argv[*i], tool->width, x) ||
		!parse_uint(argv[*i + 1], tool->height, y)) {
		fprintf(stderr, "pointer: expected X Y inside %ux%u after '%s'\n", tool->width,
			tool->height, argv[*i - 1]);
		return false;
	}
	*i += 2;
	return true;
}

/* With no pointer yet, actions are only checked (a first, dry run). */
static void move(struct tool *tool, uint32_t x, uint32_t y)
{
	if (!tool->pointer) {
		return;
	}
	zwlr_virtual_pointer_v1_motion_absolute(tool->pointer, now_ms(), x, y, tool->width,
		tool->height);
	zwlr_virtual_pointer_v1_frame(tool->pointer);
}

static void button(struct tool *tool, uint32_t code, enum wl_pointer_button_state state)
{
	if (!tool->pointer) {
		return;
	}
	zwlr_virtual_pointer_v1_button(tool->pointer, now_ms(), code, state);
	zwlr_virtual_pointer_v1_frame(tool->pointer);
}

static bool scroll(struct tool *tool, int argc, char *argv[], int *i)
{
	uint32_t x, y;
	double delta;
	if (!take_point(tool, argc, argv, i, &x, &y)) {
		return false;
	}
	if (*i >= argc || !parse_double(argv[*i], &delta)) {
		fprintf(stderr, "pointer: scroll needs X Y DY\n");
		return false;
	}
	(*i)++;

	bool discrete = false, stop = false;
	int32_t steps = 0;
	uint32_t axis = WL_POINTER_AXIS_VERTICAL_SCROLL;
	uint32_t source = WL_POINTER_AXIS_SOURCE_WHEEL;
	while (*i < argc && strncmp(argv[*i], "--", 2) == 0) {
		const char *option = argv[(*i)++];
		const char *value = *i < argc ? argv[*i] : NULL;
		if (strcmp(option, "--horizontal") == 0) {
			axis = WL_POINTER_AXIS_HORIZONTAL_SCROLL;
		} else if (strcmp(option, "--stop") == 0) {
			stop = true;
		} else if (strcmp(option, "--discrete") == 0 && value) {
			char *end;
			long n = strtol(value, &end, 10);
			if (end == value || *end || n < -1000 || n > 1000) {
				fprintf(stderr, "pointer: bad --discrete '%s'\n", value);
				return false;
			}
			discrete = true;
			steps = (int32_t)n;
			(*i)++;
		} else if (strcmp(option, "--source") == 0 && value) {
			if (strcmp(value, "wheel") == 0) {
				source = WL_POINTER_AXIS_SOURCE_WHEEL;
			} else if (strcmp(value, "finger") == 0) {
				source = WL_POINTER_AXIS_SOURCE_FINGER;
			} else {
				fprintf(stderr, "pointer: bad --source '%s'\n", value);
				return false;
			}
			(*i)++;
		} else {
			fprintf(stderr, "pointer: bad scroll option '%s'\n", option);
			return false;
		}
	}

	if (!tool->pointer) {
		return true;
	}
	move(tool, x, y);
	uint32_t time = now_ms();
	wl_fixed_t value = wl_fixed_from_double(delta);
	/* wlroots applies the source to the axis named last: axis first. */
	if (discrete) {
		zwlr_virtual_pointer_v1_axis_discrete(tool->pointer, time, axis, value, steps);
	} else {
		zwlr_virtual_pointer_v1_axis(tool->pointer, time, axis, value);
	}
	zwlr_virtual_pointer_v1_axis_source(tool->pointer, source);
	zwlr_virtual_pointer_v1_frame(tool->pointer);
	if (stop) {
		zwlr_virtual_pointer_v1_axis_stop(tool->pointer, now_ms(), axis);
		zwlr_virtual_pointer_v1_axis_source(tool->pointer, source);
		zwlr_virtual_pointer_v1_frame(tool->pointer);
	}
	return true;
}

static bool run_actions(struct tool *tool, int argc, char *argv[], int i)
{
	while (i < argc) {
		const char *action = argv[i++];
		uint32_t x, y, code;
		if (strcmp(action, "move") == 0) {
			if (!take_point(tool, argc, argv, &i, &x, &y)) {
				return false;
			}
			move(tool, x, y);
		} else if (strcmp(action, "click") == 0) {
			if (!take_point(tool, argc, argv, &i, &x, &y) ||
				!take_button(argc, argv, &i, &code)) {
				return false;
			}
			move(tool, x, y);
			button(tool, code, WL_POINTER_BUTTON_STATE_PRESSED);
			button(tool, code, WL_POINTER_BUTTON_STATE_RELEASED);
		} else if (strcmp(action, "press") == 0 || strcmp(action, "release") == 0) {
			take_button(argc, argv, &i, &code);
			button(tool, code,
				action[0] == 'p' ? WL_POINTER_BUTTON_STATE_PRESSED
						 : WL_POINTER_BUTTON_STATE_RELEASED);
		} else if (strcmp(action, "scroll") == 0) {
			if (!scroll(tool, argc, argv, &i)) {
				return false;
			}
		} else {
			fprintf(stderr, "pointer: unknown action '%s'\n%s", action, usage);
			return false;
		}
	}
	return true;
}

int main(int argc, char *argv[])
{
	struct tool tool = { .width = 1280, .height = 720 };
	int i = 1;
	if (i < argc && (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)) {
		printf("%s", usage);
		return 0;
	}
	if (i + 1 < argc && strcmp(argv[i], "--size") == 0) {
		char tail;
		if (sscanf(argv[i + 1], "%ux%u%c", &tool.width, &tool.height, &tail) != 2 ||
			tool.width == 0 || tool.height == 0) {
			fprintf(stderr, "pointer: bad --size '%s' (expected WxH)\n", argv[i + 1]);
			return 2;
		}
		i += 2;
	}
	if (i >= argc) {
		fprintf(stderr, "%s", usage);
		return 2;
	}
	/* Nothing is sent unless every action is well formed. */
	if (!run_actions(&tool, argc, argv, i)) {
		return 2;
	}

	struct wl_display *display = wl_display_connect(NULL);
	if (!display) {
		fprintf(stderr, "pointer: cannot connect to the compositor\n");
		return 2;
	}
	struct wl_registry *registry = wl_display_get_registry(display);
	wl_registry_add_listener(registry, &registry_listener, &tool);
	if (wl_display_roundtrip(display) < 0) {
		fprintf(stderr, "pointer: connection lost\n");
		return 2;
	}
	if (!tool.manager) {
		fprintf(stderr,
			"pointer: the compositor offers no zwlr_virtual_pointer_manager_v1\n");
		return 1;
	}
	tool.pointer =
		zwlr_virtual_pointer_manager_v1_create_virtual_pointer(tool.manager, tool.seat);

	bool ok = run_actions(&tool, argc, argv, i);
	/* Every request handled before the device goes away with us. */
	if (wl_display_roundtrip(display) < 0) {
		fprintf(stderr, "pointer: connection lost\n");
		ok = false;
	}
	zwlr_virtual_pointer_v1_destroy(tool.pointer);
	zwlr_virtual_pointer_manager_v1_destroy(tool.manager);
	if (tool.seat) {
		wl_seat_destroy(tool.seat);
	}
	wl_registry_destroy(registry);
	wl_display_roundtrip(display);
	wl_display_disconnect(display);
	return ok ? 0 : 1;
}
