/*
 * The VM's window pixels and the compositor's surface coordinates. A VM
 * draws at the output scale dom0 announced in HELLO on this connection
 * (protocols/wire-protocol.md: every size and position on the wire is in
 * window pixels); the compositor's surfaces are in logical pixels, that
 * scale times fewer. Sizes and positions cross here, and nowhere else.
 */
#ifndef BRIDGE_SCALE_H
#define BRIDGE_SCALE_H

#include <stdint.h>

/* Logical to window pixels, saturating at bound (a positive wire limit). */
static inline int64_t scale_to_window(int64_t logical, int32_t scale, int64_t bound)
{
	int64_t pixels = logical * scale; /* |logical| < 2^32, scale <= 4 */
	return pixels < -bound ? -bound : pixels > bound ? bound : pixels;
}

/* Window pixels to logical, rounding down (positions, maximum sizes). */
static inline int32_t scale_to_logical_floor(int64_t pixels, int32_t scale)
{
	int64_t q = pixels / scale;
	return (int32_t)(q * scale > pixels ? q - 1 : q);
}

/* Window pixels to logical, rounding up (minimum sizes, extents). */
static inline int32_t scale_to_logical_ceil(int64_t pixels, int32_t scale)
{
	return -scale_to_logical_floor(-pixels, scale);
}

#endif
