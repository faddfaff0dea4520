#!/usr/bin/env python3
"""weston-subsurfaces in a VM: every subsurface is on screen.

Debian's weston-subsurfaces draws a main surface (its own title bar and
a green canvas) and two desynchronized subsurfaces on it: a translucent
red one with a spinner (cairo, wl_shm) and one with a spinning triangle
(EGL, on llvmpipe over wl_shm without a GPU). The agent composites the
whole tree into the window's buffer, so inside the VM's frame there must
be the red subsurface (red blended over green) and the triangle's colours,
and both must move between two screenshots.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

LABEL = 'purple'
LABEL_COLOUR = '#75507b'
BORDER = 4


def red_sub(p):
    """The red subsurface: 80% red over the green canvas (#a32100)."""
    r, g, b = p
    return 0x90 <= r <= 0xb8 and 0x10 <= g <= 0x38 and b <= 0x18


def gl_sub(p):
    """The GL subsurface's background: translucent black over green."""
    r, g, b = p
    return r <= 0x18 and b <= 0x18 and 0x20 <= g <= 0x60


def bright(p):
    """The triangle on it: its gradient is bright where the background is dark."""
    return max(p) >= 0x80


def boxes(image, rect, predicate):
    """(count, bounding box) of the pixels in rect that predicate takes."""
    x0, y0, w, h_ = rect
    count = 0
    left, top, right, bottom = x0 + w, y0 + h_, -1, -1
    for y in range(y0, y0 + h_):
        row = image.row(y, x0, w)
        for i in range(w):
            if predicate(tuple(row[i * 3:i * 3 + 3])):
                count += 1
                left, right = min(left, x0 + i), max(right, x0 + i)
                top, bottom = min(top, y), max(bottom, y)
    if count == 0:
        return 0, None
    return count, (left, top, right - left + 1, bottom - top + 1)


def test(s):
    h.require_tool('grim', 'grim')
    app = h.require_tool('weston-subsurfaces', 'weston')
    s.start_compositor(s.vm_config(LABEL, border=BORDER), size=(1280, 720))
    # Mesa on llvmpipe, over wl_shm: what a VM without a GPU has.
    s.start_agent('work', ['env', 'EGL_PLATFORM=wayland', 'LIBGL_ALWAYS_SOFTWARE=1', app])
    rect = s.wait_for_window(h.parse_colour(LABEL_COLOUR), BORDER, timeout=15)
    h.log('weston-subsurfaces shows at %r' % (rect,))

    deadline = time.monotonic() + 10
    while True:
        first = s.screenshot('first')
        red_count, red_box = boxes(first, rect, red_sub)
        gl_count, gl_box = boxes(first, rect, gl_sub)
        tri_count = boxes(first, gl_box, bright)[0] if gl_box else 0
        # The triangle spins about its vertical axis: edge-on, it is
        # all but gone; the next shot has it back.
        if (red_count > 1000 and gl_count > 1000 and tri_count > 20 or
                time.monotonic() > deadline):
            break
        time.sleep(0.1)
    h.log('red subsurface: %d pixels in %r; GL subsurface: %d pixels in %r, its triangle %d'
          % (red_count, red_box, gl_count, gl_box, tri_count))
    problems = []
    if red_count <= 1000:
        problems.append('the red subsurface is not on screen (%d red pixels)' % red_count)
    if gl_count <= 1000 or tri_count <= 20:
        problems.append('the GL subsurface is not on screen (%d pixels of its background, '
                        '%d of its triangle)' % (gl_count, tri_count))
    if problems:
        raise h.Failure('\n  '.join(['subsurfaces missing inside the frame:'] + problems))

    # Both animate on their own (desynchronized commits).
    time.sleep(0.5)
    second = s.screenshot('second')
    red_changed = h.count_different(first, second, red_box)
    tri_changed = h.count_different(first, second, gl_box)
    h.log('between two shots: %d pixels changed on the red subsurface, %d on the triangle'
          % (red_changed, tri_changed))
    if red_changed == 0 or tri_changed == 0:
        raise h.Failure('a subsurface stood still between two shots 0.5 s apart '
                        '(red: %d pixels changed, triangle: %d): its commits do not reach '
                        'dom0' % (red_changed, tri_changed))
    s.check_alive()


if __name__ == '__main__':
    h.run('vm-subsurfaces', test)
