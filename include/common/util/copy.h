/*
 * Copying a rectangle of pixels between two images: what the agent does
 * from a client's buffer into shared memory and the bridge from shared
 * memory into dom0's buffers, every frame. Header-only, so both programs
 * inline it into their copy loops.
 *
 * Large copies use non-temporal (streaming) stores where the CPU has them:
 * the destination is read next by another process, long after a frame's
 * worth of other data went through the caches, so loading its old lines
 * first (what ordinary stores do) only costs bandwidth. The benchmark
 * measured about a third less time per 1080p frame than memcpy here
 * (doc/performance.md).
 */
#ifndef UTIL_COPY_H
#define UTIL_COPY_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Below this many bytes a copy stays in the caches, where the reader
 * finds it: ordinary stores are better. About a core's L2. */
#define COPY_STREAM_MIN_BYTES (1024u * 1024u)

#if defined(__SSE2__)
static inline void copy_stream_row(uint8_t *dst, const uint8_t *src, size_t n)
{
	size_t head = (16 - ((uintptr_t)dst & 15)) & 15;
	if (head > n) {
		head = n;
	}
	memcpy(dst, src, head);
	dst += head;
	src += head;
	n -= head;
	for (; n >= 64; n -= 64, dst += 64, src += 64) {
		__m128i a = _mm_loadu_si128((const __m128i *)src);
		__m128i b = _mm_loadu_si128((const __m128i *)(src + 16));
		__m128i c = _mm_loadu_si128((const __m128i *)(src + 32));
		__m128i d = _mm_loadu_si128((const __m128i *)(src + 48));
		_mm_stream_si128((__m128i *)dst, a);
		_mm_stream_si128((__m128i *)(dst + 16), b);
		_mm_stream_si128((__m128i *)(dst + 32), c);
		_mm_stream_si128((__m128i *)(dst + 48), d);
	}
	memcpy(dst, src, n);
}
#endif

/* How a copy stores: streaming from COPY_STREAM_MIN_BYTES up, or always,
 * for a piece of a larger copy that is read only after all of it (a band
 * of a frame sent in parts). */
enum copy_stores {
	COPY_STORES_BY_SIZE,
	COPY_STORES_STREAM,
};

/*
 * Copies rows rows of row_bytes bytes. The caller has checked both
 * rectangles lie inside their images. Rows that are whole, equal strides
 * are copied as one block.
 */
static inline void copy_rows_stores(uint8_t *dst, size_t dst_stride, const uint8_t *src,
	size_t src_stride, size_t row_bytes, size_t rows, enum copy_stores stores)
{
	if (rows == 0 || row_bytes == 0) {
		return;
	}
	if (row_bytes == dst_stride && row_bytes == src_stride) {
		row_bytes *= rows;
		rows = 1;
	}
#if defined(__SSE2__)
	if (stores == COPY_STORES_STREAM || row_bytes * rows >= COPY_STREAM_MIN_BYTES) {
		for (size_t y = 0; y < rows; y++) {
			copy_stream_row(dst, src, row_bytes);
			dst += dst_stride;
			src += src_stride;
		}
		/* Streaming stores are weakly ordered: make them visible
		 * before the message that tells the reader to look. */
		_mm_sfence();
		return;
	}
#endif
	(void)stores;
	for (size_t y = 0; y < rows; y++) {
		memcpy(dst, src, row_bytes);
		dst += dst_stride;
		src += src_stride;
	}
}

static inline void copy_rows(uint8_t *dst, size_t dst_stride, const uint8_t *src, size_t src_stride,
	size_t row_bytes, size_t rows)
{
	copy_rows_stores(dst, dst_stride, src, src_stride, row_bytes, rows, COPY_STORES_BY_SIZE);
}

#endif
