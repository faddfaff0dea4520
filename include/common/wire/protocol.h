/*
 * The mullion wire protocol: the messages that cross between a VM's
 * mullion-agent and its dom0 mullion-bridge over vchan.
 *
 * protocols/wire-protocol.md is the specification; this header is its
 * C transcription. Every multi-byte field is little-endian on the wire and
 * is only ever read or written through the codec (wire/codec.h), never by
 * casting a received byte buffer to a struct.
 *
 * Fields added after a struct's first version come last and are valid at
 * 0 where that matters, so senders written with designated initialisers
 * keep working.
 */
#ifndef WIRE_PROTOCOL_H
#define WIRE_PROTOCOL_H

#include <stdint.h>

#define WIRE_VERSION 1

#define WIRE_HEADER_SIZE 8 /* u32 type, u32 body length */

/* Limits that bound every count and size a peer can claim. */
#define WIRE_MAX_TITLE_BYTES 256
#define WIRE_MAX_APP_ID_BYTES 128
#define WIRE_MAX_DAMAGE_RECTS 64
#define WIRE_MAX_WIDTH 8192
#define WIRE_MAX_HEIGHT 8192
#define WIRE_PAGE_SIZE 4096
/* One buffer is at most 64 MiB, so at most 16384 page refs. */
#define WIRE_MAX_BUFFER_BYTES (64u * 1024u * 1024u)
#define WIRE_MAX_BUFFER_REFS (WIRE_MAX_BUFFER_BYTES / WIRE_PAGE_SIZE)
/* What dom0 may announce in HELLO (the bridge's own option bounds). */
#define WIRE_MAX_WINDOWS_LIMIT 65536
#define WIRE_MAX_BUFFER_MIB_LIMIT 65536
#define WIRE_MAX_OUTPUT_SCALE 4
/* Cursor images travel inline: at most 64 x 64 ARGB8888, 16 KiB. */
#define WIRE_MAX_CURSOR_SIZE 64
#define WIRE_MAX_CURSOR_BYTES (WIRE_MAX_CURSOR_SIZE * WIRE_MAX_CURSOR_SIZE * 4)
/* The xkb keymap, sent as in-order chunks (Xen passes no fds). */
#define WIRE_MAX_KEYMAP_BYTES (1024u * 1024u)
#define WIRE_MAX_KEYMAP_CHUNK (32u * 1024u)
/* Highest evdev code: KEY_MAX. Buttons are the BTN_MOUSE block. */
#define WIRE_MAX_KEYCODE 0x2ff
#define WIRE_MIN_BUTTON 0x110 /* BTN_LEFT */
#define WIRE_MAX_BUTTON 0x11f
#define WIRE_MAX_XKB_GROUP 3 /* four layouts, as XKB_MAX_GROUPS */
/* Pointer coordinates are 24.8 fixed point, surface-local. */
#define WIRE_MAX_POINTER_X (WIRE_MAX_WIDTH * 256)
#define WIRE_MAX_POINTER_Y (WIRE_MAX_HEIGHT * 256)
#define WIRE_MAX_AXIS_VALUE (65536 * 256) /* 24.8: 65536 pixels */
#define WIRE_MAX_AXIS_DISCRETE 1000
/* Clipboard contents, UTF-8 text, either way. */
#define WIRE_MAX_CLIPBOARD_BYTES (64u * 1024u)
/* The largest body: BUFFER_CREATE with the most refs (codec.c checks
 * that every other type's largest body fits). */
#define WIRE_MAX_BODY_SIZE (28u + 4u * WIRE_MAX_BUFFER_REFS)
#define WIRE_MAX_MESSAGE_SIZE (WIRE_HEADER_SIZE + WIRE_MAX_BODY_SIZE)

/* Window and buffer ids are chosen by the VM; 0 is never valid. */
#define WIRE_ID_INVALID 0

/* Pixel formats, as DRM fourcc codes (the same values wl_shm uses for all
 * formats but the first two, which wl_shm numbers 0 and 1). */
#define WIRE_FORMAT_ARGB8888 0x34325241u /* 'AR24' */
#define WIRE_FORMAT_XRGB8888 0x34325258u /* 'XR24' */

/* HELLO capabilities: optional features the sender implements. */
#define WIRE_CAP_POPUPS (1u << 0)
#define WIRE_CAP_INPUT (1u << 1)
#define WIRE_CAP_CURSOR (1u << 2)
#define WIRE_CAP_CLIPBOARD (1u << 3)
#define WIRE_CAP_DAMAGE_PARTS (1u << 4)

enum wire_sender {
	WIRE_FROM_VM,
	WIRE_FROM_DOM0,
};

enum wire_msg_type {
	/* Both directions, first message on a connection. */
	WIRE_HELLO = 1,

	/* VM to dom0: windows and their buffers. */
	WIRE_WINDOW_CREATE = 0x10,
	WIRE_WINDOW_DESTROY = 0x11,
	WIRE_WINDOW_TITLE = 0x12,
	WIRE_BUFFER_CREATE = 0x13,
	WIRE_BUFFER_DESTROY = 0x14,
	WIRE_DAMAGE = 0x15,
	WIRE_WINDOW_APP_ID = 0x16,
	WIRE_WINDOW_HINTS = 0x17,
	WIRE_WINDOW_REQUEST = 0x18,
	WIRE_WINDOW_MOVE = 0x19,
	WIRE_CONFIGURE_ACK = 0x1a,
	WIRE_DAMAGE_PART = 0x1b,

	/* VM to dom0: cursor, clipboard, liveness. */
	WIRE_CURSOR_IMAGE = 0x20,
	WIRE_CLIPBOARD_DATA = 0x21,
	WIRE_PONG = 0x22,

	/* dom0 to VM: windows and their buffers. */
	WIRE_FRAME_DONE = 0x40,
	WIRE_BUFFER_RELEASE = 0x41,
	WIRE_CONFIGURE = 0x42,
	WIRE_CLOSE = 0x43,

	/* dom0 to VM: input. */
	WIRE_KEYMAP = 0x50,
	WIRE_KEY = 0x51,
	WIRE_MODIFIERS = 0x52,
	WIRE_KEYBOARD_ENTER = 0x53,
	WIRE_KEYBOARD_LEAVE = 0x54,
	WIRE_POINTER_ENTER = 0x58,
	WIRE_POINTER_LEAVE = 0x59,
	WIRE_POINTER_MOTION = 0x5a,
	WIRE_POINTER_BUTTON = 0x5b,
	WIRE_POINTER_AXIS = 0x5c,
	WIRE_POINTER_FRAME = 0x5d,

	/* dom0 to VM: clipboard, liveness. */
	WIRE_CLIPBOARD_REQUEST = 0x60,
	WIRE_CLIPBOARD_SET = 0x61,
	WIRE_PING = 0x62,
};

enum wire_window_kind {
	WIRE_WINDOW_TOPLEVEL = 0,
	WIRE_WINDOW_POPUP = 1,
};

/* WINDOW_CREATE flags. */
#define WIRE_WINDOW_MODAL (1u << 0) /* a toplevel with a parent */
#define WIRE_WINDOW_GRAB (1u << 1) /* a popup that wants the keyboard */
#define WIRE_WINDOW_FLAGS_ALL (WIRE_WINDOW_MODAL | WIRE_WINDOW_GRAB)

enum wire_window_request_kind {
	WIRE_REQUEST_MAXIMIZE = 1,
	WIRE_REQUEST_UNMAXIMIZE = 2,
	WIRE_REQUEST_FULLSCREEN = 3,
	WIRE_REQUEST_UNFULLSCREEN = 4,
	WIRE_REQUEST_MINIMIZE = 5,
};

/* CONFIGURE states. */
#define WIRE_STATE_ACTIVATED (1u << 0)
#define WIRE_STATE_MAXIMIZED (1u << 1)
#define WIRE_STATE_FULLSCREEN (1u << 2)
#define WIRE_STATE_ALL (WIRE_STATE_ACTIVATED | WIRE_STATE_MAXIMIZED | WIRE_STATE_FULLSCREEN)

/* KEY and POINTER_BUTTON states. */
#define WIRE_RELEASED 0
#define WIRE_PRESSED 1

/* POINTER_AXIS axes and sources, as wl_pointer numbers them. */
#define WIRE_AXIS_VERTICAL 0
#define WIRE_AXIS_HORIZONTAL 1
#define WIRE_AXIS_SOURCE_WHEEL 0
#define WIRE_AXIS_SOURCE_FINGER 1
#define WIRE_AXIS_SOURCE_CONTINUOUS 2
#define WIRE_AXIS_SOURCE_WHEEL_TILT 3

struct wire_rect {
	int32_t x, y;
	int32_t width, height;
};

struct wire_hello {
	uint32_t version;
	/* Sent by dom0: the output the VM should advertise to its clients.
	 * From the VM these and the limits below are 0. */
	uint32_t output_width, output_height;
	uint32_t capabilities; /* WIRE_CAP_* */
	uint32_t output_scale; /* dom0: 1..WIRE_MAX_OUTPUT_SCALE */
	/* dom0's limits for this VM. */
	uint32_t max_windows;
	uint32_t max_buffer_mib;
};

struct wire_window_create {
	uint32_t window_id;
	uint32_t width, height; /* first buffer size, may be 0 if unknown */
	uint32_t kind; /* enum wire_window_kind */
	uint32_t parent_id; /* popups: required; toplevels: 0 or a toplevel */
	int32_t x, y; /* popups: relative to the parent; toplevels: 0 */
	uint32_t flags; /* WIRE_WINDOW_MODAL, WIRE_WINDOW_GRAB */
};

struct wire_window_destroy {
	uint32_t window_id;
};

struct wire_window_title {
	uint32_t window_id;
	uint32_t length; /* bytes in title, <= WIRE_MAX_TITLE_BYTES */
	const char *title; /* not NUL-terminated, not yet sanitised */
};

struct wire_window_app_id {
	uint32_t window_id;
	uint32_t length; /* <= WIRE_MAX_APP_ID_BYTES */
	const char *app_id; /* not NUL-terminated, not yet sanitised */
};

/* 0 means no bound; a bound pair satisfies min <= max. */
struct wire_window_hints {
	uint32_t window_id;
	uint32_t min_width, min_height;
	uint32_t max_width, max_height;
};

struct wire_window_request {
	uint32_t window_id;
	uint32_t request; /* enum wire_window_request_kind */
};

struct wire_window_move {
	uint32_t window_id;
	int32_t x, y; /* a popup's new position relative to its parent */
};

struct wire_configure_ack {
	uint32_t window_id;
	uint32_t serial; /* of a CONFIGURE for this window */
};

struct wire_buffer_create {
	uint32_t window_id;
	uint32_t buffer_id;
	uint32_t width, height, stride;
	uint32_t format;
	uint32_t ref_count; /* <= WIRE_MAX_BUFFER_REFS */
	/* ref_count little-endian u32 page refs; read with wire_ref_at() */
	const uint8_t *refs;
};

struct wire_buffer_destroy {
	uint32_t window_id;
	uint32_t buffer_id;
};

struct wire_damage {
	uint32_t window_id;
	uint32_t buffer_id;
	uint32_t rect_count; /* 1..WIRE_MAX_DAMAGE_RECTS */
	struct wire_rect rects[WIRE_MAX_DAMAGE_RECTS];
};

/* The pointer image while it is over the VM's windows; 0 x 0 hides it. */
struct wire_cursor_image {
	uint32_t width, height; /* <= WIRE_MAX_CURSOR_SIZE */
	uint32_t hotspot_x, hotspot_y; /* inside the image */
	uint32_t length; /* = width * height * 4 */
	const uint8_t *pixels; /* ARGB8888 premultiplied, rows of width */
};

struct wire_clipboard_data {
	uint32_t serial; /* of the CLIPBOARD_REQUEST this answers */
	uint32_t length; /* <= WIRE_MAX_CLIPBOARD_BYTES */
	const uint8_t *data; /* UTF-8 text, not yet checked */
};

struct wire_ping {
	uint32_t serial;
};

struct wire_frame_done {
	uint32_t window_id;
	uint32_t time_msec;
	/* When the frame was shown (CLOCK_MONOTONIC); all 0 if unknown. */
	uint32_t tv_sec_hi, tv_sec_lo, tv_nsec; /* tv_nsec < 10^9 */
	uint32_t refresh_nsec; /* 0 if unknown */
};

struct wire_buffer_release {
	uint32_t window_id;
	uint32_t buffer_id;
};

struct wire_configure {
	uint32_t window_id;
	uint32_t width, height; /* 0 means the VM chooses */
	/* Assigned by the sender's link (vm_link_send); the VM acks it. */
	uint32_t serial;
	uint32_t states; /* WIRE_STATE_* */
};

struct wire_close {
	uint32_t window_id;
};

struct wire_keymap {
	uint32_t total_size; /* 1..WIRE_MAX_KEYMAP_BYTES */
	uint32_t offset; /* of this chunk; offset + length <= total_size */
	uint32_t length; /* 1..WIRE_MAX_KEYMAP_CHUNK */
	const uint8_t *data; /* XKB_KEYMAP_FORMAT_TEXT_V1 text */
};

struct wire_key {
	uint32_t time_msec;
	uint32_t keycode; /* evdev, <= WIRE_MAX_KEYCODE */
	uint32_t state; /* WIRE_RELEASED, WIRE_PRESSED */
};

struct wire_modifiers {
	uint32_t depressed, latched, locked;
	uint32_t group; /* <= WIRE_MAX_XKB_GROUP */
};

struct wire_keyboard_focus { /* KEYBOARD_ENTER, KEYBOARD_LEAVE */
	uint32_t window_id;
};

struct wire_pointer_enter {
	uint32_t window_id;
	int32_t x, y; /* 24.8 fixed, surface-local */
};

struct wire_pointer_leave {
	uint32_t window_id;
};

struct wire_pointer_motion {
	uint32_t time_msec;
	int32_t x, y; /* 24.8 fixed, surface-local */
};

struct wire_pointer_button {
	uint32_t time_msec;
	uint32_t button; /* evdev, WIRE_MIN_BUTTON..WIRE_MAX_BUTTON */
	uint32_t state; /* WIRE_RELEASED, WIRE_PRESSED */
};

struct wire_pointer_axis {
	uint32_t time_msec;
	uint32_t axis; /* WIRE_AXIS_VERTICAL, WIRE_AXIS_HORIZONTAL */
	int32_t value; /* 24.8 fixed; 0 with a finger source: scroll stop */
	int32_t discrete; /* wheel steps, 0 if none */
	uint32_t source; /* WIRE_AXIS_SOURCE_* */
};

struct wire_clipboard_set {
	uint32_t length; /* <= WIRE_MAX_CLIPBOARD_BYTES */
	const uint8_t *data; /* UTF-8 text */
};

/*
 * One decoded message. Pointers inside (title, refs, ...) point into the
 * buffer the message was decoded from and live only as long as it does.
 */
struct wire_msg {
	enum wire_msg_type type;
	union {
		struct wire_hello hello;
		struct wire_window_create window_create;
		struct wire_window_destroy window_destroy;
		struct wire_window_title window_title;
		struct wire_window_app_id window_app_id;
		struct wire_window_hints window_hints;
		struct wire_window_request window_request;
		struct wire_window_move window_move;
		struct wire_configure_ack configure_ack;
		struct wire_buffer_create buffer_create;
		struct wire_buffer_destroy buffer_destroy;
		struct wire_damage damage;
		/* DAMAGE_PART's body is DAMAGE's: the codec reads and writes
		 * both through damage, the same storage. */
		struct wire_damage damage_part;
		struct wire_cursor_image cursor_image;
		struct wire_clipboard_data clipboard_data;
		struct wire_ping pong;
		struct wire_frame_done frame_done;
		struct wire_buffer_release buffer_release;
		struct wire_configure configure;
		struct wire_close close;
		struct wire_keymap keymap;
		struct wire_key key;
		struct wire_modifiers modifiers;
		struct wire_keyboard_focus keyboard_enter;
		struct wire_keyboard_focus keyboard_leave;
		struct wire_pointer_enter pointer_enter;
		struct wire_pointer_leave pointer_leave;
		struct wire_pointer_motion pointer_motion;
		struct wire_pointer_button pointer_button;
		struct wire_pointer_axis pointer_axis;
		struct wire_ping clipboard_request;
		struct wire_clipboard_set clipboard_set;
		struct wire_ping ping;
		/* POINTER_FRAME has no body. */
	};
};

#endif
