/*
 * The mullion wire protocol: the messages that cross between a VM's
 * mullion-agent and its dom0 mullion-bridge over vchan.
 *
 * protocols/wire-protocol.md is the specification; this header is its
 * C transcription. Every multi-byte field is little-endian on the wire and
 * is only ever read or written through the codec (wire/codec.h), never by
 * casting a received byte buffer to a struct.
 */
#ifndef WIRE_PROTOCOL_H
#define WIRE_PROTOCOL_H

#include <stdint.h>

#define WIRE_VERSION 1

#define WIRE_HEADER_SIZE 8 /* u32 type, u32 body length */

/* Limits that bound every count and size a peer can claim. */
#define WIRE_MAX_TITLE_BYTES 256
#define WIRE_MAX_DAMAGE_RECTS 64
#define WIRE_MAX_WIDTH 8192
#define WIRE_MAX_HEIGHT 8192
#define WIRE_PAGE_SIZE 4096
/* One buffer is at most 64 MiB, so at most 16384 page refs. */
#define WIRE_MAX_BUFFER_BYTES (64u * 1024u * 1024u)
#define WIRE_MAX_BUFFER_REFS (WIRE_MAX_BUFFER_BYTES / WIRE_PAGE_SIZE)
/* The largest body: BUFFER_CREATE with the most refs. */
#define WIRE_MAX_BODY_SIZE (28u + 4u * WIRE_MAX_BUFFER_REFS)
#define WIRE_MAX_MESSAGE_SIZE (WIRE_HEADER_SIZE + WIRE_MAX_BODY_SIZE)

/* Window and buffer ids are chosen by the VM; 0 is never valid. */
#define WIRE_ID_INVALID 0

/* Pixel formats, as DRM fourcc codes (the same values wl_shm uses for all
 * formats but the first two, which wl_shm numbers 0 and 1). */
#define WIRE_FORMAT_ARGB8888 0x34325241u /* 'AR24' */
#define WIRE_FORMAT_XRGB8888 0x34325258u /* 'XR24' */

enum wire_sender {
	WIRE_FROM_VM,
	WIRE_FROM_DOM0,
};

enum wire_msg_type {
	/* Both directions, first message on a connection. */
	WIRE_HELLO = 1,

	/* VM to dom0. */
	WIRE_WINDOW_CREATE = 0x10,
	WIRE_WINDOW_DESTROY = 0x11,
	WIRE_WINDOW_TITLE = 0x12,
	WIRE_BUFFER_CREATE = 0x13,
	WIRE_BUFFER_DESTROY = 0x14,
	WIRE_DAMAGE = 0x15,

	/* dom0 to VM. */
	WIRE_FRAME_DONE = 0x40,
	WIRE_BUFFER_RELEASE = 0x41,
	WIRE_CONFIGURE = 0x42,
	WIRE_CLOSE = 0x43,
};

struct wire_rect {
	int32_t x, y;
	int32_t width, height;
};

struct wire_hello {
	uint32_t version;
	/* Sent by dom0: the output the VM should advertise to its clients. */
	uint32_t output_width, output_height;
};

struct wire_window_create {
	uint32_t window_id;
	uint32_t width, height; /* first buffer size, may be 0 if unknown */
};

struct wire_window_destroy {
	uint32_t window_id;
};

struct wire_window_title {
	uint32_t window_id;
	uint32_t length; /* bytes in title, <= WIRE_MAX_TITLE_BYTES */
	const char *title; /* not NUL-terminated, not yet sanitised */
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

struct wire_frame_done {
	uint32_t window_id;
	uint32_t time_msec;
};

struct wire_buffer_release {
	uint32_t window_id;
	uint32_t buffer_id;
};

struct wire_configure {
	uint32_t window_id;
	uint32_t width, height; /* 0 means the VM chooses */
};

struct wire_close {
	uint32_t window_id;
};

/*
 * One decoded message. Pointers inside (title, refs) point into the buffer
 * the message was decoded from and live only as long as it does.
 */
struct wire_msg {
	enum wire_msg_type type;
	union {
		struct wire_hello hello;
		struct wire_window_create window_create;
		struct wire_window_destroy window_destroy;
		struct wire_window_title window_title;
		struct wire_buffer_create buffer_create;
		struct wire_buffer_destroy buffer_destroy;
		struct wire_damage damage;
		struct wire_frame_done frame_done;
		struct wire_buffer_release buffer_release;
		struct wire_configure configure;
		struct wire_close close;
	};
};

#endif
