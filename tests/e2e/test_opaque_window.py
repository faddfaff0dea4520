#!/usr/bin/env python3
"""A VM window is opaque on dom0's screen, whatever alpha the VM sends.

weston-flower draws a flower on a fully transparent ARGB buffer. Shown as
the VM sent it, the dom0 background would fill the frame around the
flower, and a VM could lay a see-through window, framed as its own, over
another VM's. dom0 must show every pixel inside a VM frame opaque. An
antialiased edge of the flower may happen to have the background's exact
value, so up to 1% of the pixels may match; see-through, it is about 60%.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

BORDER = 4
BACKGROUND = '#202020'
LABEL = 'orange'
LABEL_COLOUR = '#f57900'
TITLE = '[work] Flower'


def test(s):
    h.require_tool('grim', 'grim')
    app = h.require_tool('weston-flower', 'weston')
    label = h.parse_colour(LABEL_COLOUR)
    background = h.parse_colour(BACKGROUND)

    s.start_compositor(
        s.vm_config(LABEL, border=BORDER, background=BACKGROUND),
        size=(1280, 720))
    s.start_agent('work', [app])
    s.wait_for_title(TITLE, timeout=15)
    shot = s.screenshot('flower')

    box = h.bounding_box(shot, label)
    if box is None:
        raise h.Failure('no pixel of the label colour %s on screen' % LABEL_COLOUR)
    problems = h.check_ring(shot, box, BORDER, label)
    if problems:
        raise h.Failure('the border is not all %s:\n  %s'
                        % (LABEL_COLOUR, '\n  '.join(problems)))
    interior = h.inset(box, BORDER)
    area = interior[2] * interior[3]
    see_through = h.count_colour(shot, interior, background)
    h.log('frame %dx%d at (%d,%d); inside it %d of %d pixels are the '
          'background %s' % (box[2], box[3], box[0], box[1], see_through,
                             area, BACKGROUND))
    if area < 100 * 100:
        raise h.Failure('the window is only %dx%d: not weston-flower\'s'
                        % (interior[2], interior[3]))
    if see_through * 100 > area:
        raise h.Failure('%d pixels inside the VM\'s frame show dom0\'s '
                        'background: the window is see-through' % see_through)
    if h.count_colour(shot, interior, (0, 0, 0)) * 10 < area:
        raise h.Failure('expected the transparent area around the flower to '
                        'show as black; the test no longer sees a '
                        'transparent client')
    s.check_alive()


if __name__ == '__main__':
    h.run('opaque-window', test)
