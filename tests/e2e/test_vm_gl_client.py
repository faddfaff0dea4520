#!/usr/bin/env python3
"""A GL client in a VM without a GPU: weston-simple-egl renders with Mesa's
llvmpipe and hands wl_shm buffers to the agent. Its spinning triangle
must show inside the VM's frame and move between two screenshots.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

LABEL = 'green'
LABEL_COLOUR = '#73d216'
BORDER = 4


def coloured(p):
    """The triangle's gradient: anything far from grey."""
    return max(p) - min(p) > 0x60


def test(s):
    h.require_tool('grim', 'grim')
    app = h.require_tool('weston-simple-egl', 'weston')
    s.start_compositor(s.vm_config(LABEL, border=BORDER), size=(1280, 720))
    # Forced onto llvmpipe, as in a VM without a GPU, even where this
    # machine has one.
    s.start_agent('work', ['env', 'EGL_PLATFORM=wayland', 'LIBGL_ALWAYS_SOFTWARE=1', app])
    rect = s.wait_for_window(h.parse_colour(LABEL_COLOUR), BORDER, timeout=15)
    h.log('weston-simple-egl shows at %r' % (rect,))

    deadline = time.monotonic() + 10
    while True:
        first = s.screenshot('first')
        x, y, w, hh = rect
        pixels = sum(1 for yy in range(y, y + hh) for xx in range(x, x + w)
                     if coloured(first.pixel(xx, yy)))
        if pixels > 500 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if pixels <= 500:
        raise h.Failure('no triangle inside the frame (%d coloured pixels)' % pixels)
    time.sleep(0.5)
    second = s.screenshot('second')
    changed = h.count_different(first, second, rect)
    h.log('%d coloured pixels; %d changed between two shots 0.5 s apart' % (pixels, changed))
    if changed == 0:
        raise h.Failure('the GL client\'s window stood still between two shots 0.5 s apart')
    s.check_alive()


if __name__ == '__main__':
    h.run('vm-gl-client', test)
