/*
 * The floor under every copy on the path: how long one memcpy of a frame
 * takes on this machine, between two buffers already touched (as the
 * agent's and the bridge's are). Prints key=value lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_WIDTH 1920
#define DEFAULT_HEIGHT 1080
#define ROUNDS 50

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char *argv[])
{
	int width = DEFAULT_WIDTH, height = DEFAULT_HEIGHT;
	if (argc > 1 &&
		(sscanf(argv[1], "%dx%d", &width, &height) != 2 || width <= 0 || height <= 0 ||
			width > 16384 || height > 16384)) {
		fprintf(stderr, "usage: mullion-memcpy-floor [WxH]\n");
		return 2;
	}
	size_t bytes = (size_t)width * (size_t)height * 4;
	uint8_t *src = malloc(bytes), *dst = malloc(bytes);
	if (!src || !dst) {
		fprintf(stderr, "memcpy-floor: out of memory\n");
		return 1;
	}
	/* Touch both, so page faults are not measured. */
	memset(src, 0x5a, bytes);
	memset(dst, 0, bytes);

	double times[ROUNDS];
	for (int i = 0; i < ROUNDS; i++) {
		src[(size_t)i * 4099 % bytes] = (uint8_t)i;
		double start = now_ms();
		memcpy(dst, src, bytes);
		times[i] = now_ms() - start;
	}
	/* Keeps the copies from being optimised away. */
	volatile uint8_t sink = dst[bytes / 2];
	(void)sink;
	qsort(times, ROUNDS, sizeof(double), compare_double);
	double median = times[ROUNDS / 2];
	printf("memcpy_size=%dx%d\n", width, height);
	printf("memcpy_bytes=%zu\n", bytes);
	printf("memcpy_ms_median=%.3f\n", median);
	printf("memcpy_ms_min=%.3f\n", times[0]);
	printf("memcpy_gb_per_s=%.2f\n", (double)bytes / (median / 1e3) / 1e9);
	free(src);
	free(dst);
	return 0;
}
