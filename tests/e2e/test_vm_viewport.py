#!/usr/bin/env python3
"""Viewporter and buffer transforms in a VM, with damage: weston-simple-damage
draws a bouncing ball into a buffer that the surface shows cropped and
scaled (wp_viewport), flipped and turned (buffer transform), and damages
only what moved. The agent must draw it at the surface's size and follow
the damage through crop, scale and transform, including the filter's
reach around it: a ball that leaves a trail of old pixels behind it was
drawn from damage that fell short.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

LABEL = 'orange'
LABEL_COLOUR = '#f57900'
BORDER = 4
WINDOW = (300, 200)  # weston-simple-damage's default, whatever the transform
BALL_MAX = 40  # the ball is about 20 pixels across


def greenish(p):
    r, g, b = p
    return g >= 0x30 and g > r + 0x20 and g > b + 0x20


def test(s):
    h.require_tool('grim', 'grim')
    app = h.require_tool('weston-simple-damage', 'weston')
    s.start_compositor(s.vm_config(LABEL, border=BORDER), size=(1280, 720))
    s.start_agent('work', [app, '--use-viewport', '--transform=flipped-270',
                           '--use-damage-buffer'])
    x, y, w, hh = s.wait_for_window(h.parse_colour(LABEL_COLOUR), BORDER, timeout=10)
    h.log('weston-simple-damage shows at (%d,%d), %dx%d' % (x, y, w, hh))
    if (w, hh) != WINDOW:
        raise h.Failure('the window is %dx%d; the surface is %dx%d (its viewport\'s size)'
                        % (w, hh, WINDOW[0], WINDOW[1]))
    boxes = []
    for i in range(4):
        time.sleep(0.3)
        shot = s.screenshot('ball-%d' % i)
        found = [(px, py) for py in range(y, y + hh) for px in range(x, x + w)
                 if greenish(shot.pixel(px, py))]
        if not found:
            raise h.Failure('no ball in the window (shot %d)' % i)
        xs = [p[0] for p in found]
        ys = [p[1] for p in found]
        boxes.append((min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1))
    h.log('the ball\'s green pixels, in four shots: %r' % boxes)
    trails = [b for b in boxes if b[2] > BALL_MAX or b[3] > BALL_MAX]
    if trails:
        raise h.Failure('green pixels spread over %r: the ball leaves a trail, the damage '
                        'drawn falls short of what changed' % (trails[0],))
    if len(set(boxes)) == 1:
        raise h.Failure('the ball did not move in 1.2 s')
    s.check_alive()


if __name__ == '__main__':
    h.run('vm-viewport', test)
