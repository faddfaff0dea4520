/*
 * The agent's CPU read of a LINEAR dmabuf, with a memfd standing in for
 * the dmabuf (no render node here: a memfd maps the same way, and its
 * ENOTTY to DMA_BUF_IOCTL_SYNC is what a dmabuf-less test expects). The
 * rows read are the rows the "client" wrote, at its offset and stride;
 * every layout that is not one plane, LINEAR, of a drawable format, whose
 * rows all lie inside the fd, is refused before anything is mapped. And
 * the read-back path for buffers no CPU can map, run with the pixman
 * renderer (the code is the one GLES2 runs; only a GPU shows GLES2's
 * side of it): every pixel of a texture comes back where it was.
 */
#define _GNU_SOURCE /* memfd_create */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>
#include <drm_fourcc.h>
#include <wayland-server-core.h>
#include <wlr/backend.h>
#include <wlr/backend/headless.h>
#include <wlr/render/allocator.h>
#include <wlr/render/dmabuf.h>
#include <wlr/render/pixman.h>
#include <wlr/render/wlr_renderer.h>
#include <wlr/render/wlr_texture.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/util/log.h>

#include "guest-agent/buffer_read.h"

#define WIDTH 13
#define HEIGHT 7
#define STRIDE 64 /* more than WIDTH * 4: padding the reader must skip */
#define OFFSET 8192 /* a plane that starts past the fd's first pages */

struct fake_dmabuf {
	struct wlr_buffer base;
	struct wlr_dmabuf_attributes attribs;
};

static void fake_destroy(struct wlr_buffer *buffer)
{
	struct fake_dmabuf *fake = wl_container_of(buffer, fake, base);
	close(fake->attribs.fd[0]);
}

static bool fake_get_dmabuf(struct wlr_buffer *buffer, struct wlr_dmabuf_attributes *attribs)
{
	struct fake_dmabuf *fake = wl_container_of(buffer, fake, base);
	*attribs = fake->attribs;
	return true;
}

static const struct wlr_buffer_impl fake_impl = {
	.destroy = fake_destroy,
	.get_dmabuf = fake_get_dmabuf,
};

static uint32_t pixel_at(uint32_t x, uint32_t y)
{
	return 0xff000000u | (y << 16) | (x << 8) | 0x5a;
}

/* A memfd of size bytes holding a WIDTH x HEIGHT picture at OFFSET,
 * STRIDE apart, and 0xee in every padding byte. */
static int picture_fd(size_t size)
{
	int fd = memfd_create("fake-dmabuf", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	uint8_t *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(map != MAP_FAILED);
	memset(map, 0xee, size);
	for (uint32_t y = 0; y < HEIGHT && OFFSET + (y + 1) * STRIDE <= size; y++) {
		uint32_t *row = (uint32_t *)(map + OFFSET + (size_t)y * STRIDE);
		for (uint32_t x = 0; x < WIDTH; x++) {
			row[x] = pixel_at(x, y);
		}
	}
	munmap(map, size);
	return fd;
}

/* read holds the picture picture_fd() writes, row for row. */
static void assert_picture(const struct buffer_read *read)
{
	for (uint32_t y = 0; y < HEIGHT; y++) {
		const uint32_t *row =
			(const uint32_t *)((const uint8_t *)read->data + y * read->stride);
		for (uint32_t x = 0; x < WIDTH; x++) {
			assert_int_equal(row[x], pixel_at(x, y));
		}
	}
}

static void fake_init(struct fake_dmabuf *fake, size_t size)
{
	memset(fake, 0, sizeof(*fake));
	wlr_buffer_init(&fake->base, &fake_impl, WIDTH, HEIGHT);
	fake->attribs = (struct wlr_dmabuf_attributes){
		.width = WIDTH,
		.height = HEIGHT,
		.format = DRM_FORMAT_ARGB8888,
		.modifier = DRM_FORMAT_MOD_LINEAR,
		.n_planes = 1,
		.offset = { OFFSET },
		.stride = { STRIDE },
		.fd = { picture_fd(size) },
	};
}

static void linear_rows_read(void **state)
{
	struct fake_dmabuf fake;
	fake_init(&fake, OFFSET + STRIDE * HEIGHT);
	struct buffer_read read;
	assert_true(buffer_read_begin(&fake.base, &read));
	assert_int_equal(read.format, DRM_FORMAT_ARGB8888);
	assert_int_equal(read.stride, STRIDE);
	assert_picture(&read);
	buffer_read_end(&read);
	wlr_buffer_drop(&fake.base);
}

/* The last row needs only its pixels, not a whole stride. */
static void last_row_short_of_stride_read(void **state)
{
	struct fake_dmabuf fake;
	fake_init(&fake, OFFSET + STRIDE * (HEIGHT - 1) + WIDTH * 4);
	struct buffer_read read;
	assert_true(buffer_read_begin(&fake.base, &read));
	const uint32_t *last =
		(const uint32_t *)((const uint8_t *)read.data + (HEIGHT - 1) * read.stride);
	assert_int_equal(last[WIDTH - 1], 0xeeeeeeee); /* written only up to the size */
	buffer_read_end(&read);
	wlr_buffer_drop(&fake.base);
}

/* Each case changes one attribute of a valid buffer; each is refused. */
static void refused(void (*spoil)(struct wlr_dmabuf_attributes *), size_t size)
{
	struct fake_dmabuf fake;
	fake_init(&fake, size);
	spoil(&fake.attribs);
	struct buffer_read read;
	assert_false(buffer_read_begin(&fake.base, &read));
	buffer_read_end(&read); /* harmless after a refusal */
	wlr_buffer_drop(&fake.base);
}

static void tiled(struct wlr_dmabuf_attributes *a)
{
	a->modifier = I915_FORMAT_MOD_X_TILED;
}
static void invalid_modifier(struct wlr_dmabuf_attributes *a)
{
	a->modifier = DRM_FORMAT_MOD_INVALID;
}
static void two_planes(struct wlr_dmabuf_attributes *a)
{
	a->n_planes = 2;
	a->fd[1] = a->fd[0];
}
static void stride_below_width(struct wlr_dmabuf_attributes *a)
{
	a->stride[0] = WIDTH * 4 - 4;
}
static void offset_past_end(struct wlr_dmabuf_attributes *a)
{
	a->offset[0] = OFFSET + STRIDE; /* the last row ends past the fd */
}
static void offset_wraps(struct wlr_dmabuf_attributes *a)
{
	a->offset[0] = UINT32_MAX;
}
static void stride_wraps(struct wlr_dmabuf_attributes *a)
{
	a->stride[0] = UINT32_MAX;
}
static void unknown_format(struct wlr_dmabuf_attributes *a)
{
	a->format = DRM_FORMAT_NV12;
}
static void size_disagrees(struct wlr_dmabuf_attributes *a)
{
	a->height = HEIGHT + 1;
}

static void layouts_refused(void **state)
{
	size_t size = OFFSET + STRIDE * HEIGHT;
	refused(tiled, size);
	refused(invalid_modifier, size);
	refused(two_planes, size);
	refused(stride_below_width, size);
	refused(offset_past_end, size);
	refused(offset_wraps, size);
	refused(stride_wraps, size);
	refused(unknown_format, size);
	refused(size_disagrees, size);
}

/* A fd shorter than its rows: refused, never a read past its end. */
static void short_fd_refused(void **state)
{
	struct fake_dmabuf fake;
	fake_init(&fake, OFFSET + STRIDE * (HEIGHT - 1));
	struct buffer_read read;
	assert_false(buffer_read_begin(&fake.base, &read));
	wlr_buffer_drop(&fake.base);
}

static void texture_read_back(void **state)
{
	static uint32_t pixels[HEIGHT][WIDTH];
	for (uint32_t y = 0; y < HEIGHT; y++) {
		for (uint32_t x = 0; x < WIDTH; x++) {
			pixels[y][x] = pixel_at(x, y);
		}
	}
	struct wl_display *display = wl_display_create();
	assert_non_null(display);
	struct wlr_backend *backend = wlr_headless_backend_create(display);
	assert_non_null(backend);
	struct wlr_renderer *renderer = wlr_pixman_renderer_create();
	assert_non_null(renderer);
	struct wlr_allocator *allocator = wlr_allocator_autocreate(backend, renderer);
	assert_non_null(allocator);
	struct wlr_texture *texture = wlr_texture_from_pixels(renderer, DRM_FORMAT_ARGB8888,
		WIDTH * 4, WIDTH, HEIGHT, pixels);
	assert_non_null(texture);

	struct buffer_read read;
	assert_true(buffer_read_texture(renderer, allocator, texture, &read));
	assert_int_equal(read.format, DRM_FORMAT_ARGB8888);
	assert_picture(&read);
	buffer_read_end(&read);

	wlr_texture_destroy(texture);
	wlr_allocator_destroy(allocator);
	wlr_renderer_destroy(renderer);
	wlr_backend_destroy(backend);
	wl_display_destroy(display);
}

int main(void)
{
	wlr_log_init(WLR_SILENT, NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(linear_rows_read),
		cmocka_unit_test(last_row_short_of_stride_read),
		cmocka_unit_test(layouts_refused),
		cmocka_unit_test(short_fd_refused),
		cmocka_unit_test(texture_read_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
