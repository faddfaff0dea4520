#!/usr/bin/env python3
"""A VM that is not in the config gets no window on screen, while a
configured VM beside it does (the positive control): dom0 starts bridges
only for configured VMs, so nothing else can reach the compositor.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

BORDER = 4
BACKGROUND = '#202020'
LABEL = 'green'
LABEL_COLOUR = '#73d216'
APP_SIZE = 250
TITLE = '[work] simple-shm'


def test(s):
    h.require_tool('grim', 'grim')
    app = h.require_tool('weston-simple-shm', 'weston')
    expect = h.parse_colour(os.environ.get('MULLION_TEST_EXPECT_COLOUR', LABEL_COLOUR))
    background = h.parse_colour(BACKGROUND)

    s.start_compositor(
        s.vm_config(LABEL, border=BORDER, background=BACKGROUND),
        size=(1280, 720))
    # The rogue VM starts first, so it has every chance to get in. No bridge
    # will ever talk to it, so do not insist that it reports ready.
    rogue = s.start_agent('rogue', [app], wait_ready=False)
    s.start_agent('work', [app])

    s.wait_for_title(TITLE, timeout=15)
    time.sleep(2)

    status, titles, err = s.toplevels()
    h.log('toplevels after 2 s more: %r' % titles)
    if status != 0:
        raise h.Failure('mullion-test-toplevels failed: %s' % err.strip())
    if titles != [TITLE]:
        raise h.Failure('expected exactly one toplevel %r, got %r' % (TITLE, titles))
    if not rogue.running():
        raise h.Failure('the unconfigured VM\'s agent exited (status %s): the '
                        'test proves nothing unless it keeps trying'
                        % rogue.proc.returncode)
    ready = rogue.printed_line('WAYLAND_DISPLAY=')
    h.log('unconfigured VM\'s agent: still running, %s'
          % ('serving WAYLAND_DISPLAY=%s' % ready if ready else 'not reported ready'))

    shot = s.screenshot('screen')
    box = h.bounding_box(shot, expect)
    if box is None:
        raise h.Failure('no pixel of the label colour %s on screen: the '
                        'configured VM\'s window is missing' % h.colour_str(expect))
    frame = APP_SIZE + 2 * BORDER
    bar = h.TITLE_BAR_HEIGHT
    h.log('label colour %s: bounding box %dx%d at (%d,%d), expected one %dx%d frame '
          'with its title bar' % (h.colour_str(expect), box[2], box[3], box[0], box[1],
                                  frame, frame + bar))
    if (box[2], box[3]) != (frame, frame + bar):
        raise h.Failure('the label colour covers %dx%d at (%d,%d), not one %dx%d '
                        'frame' % (box[2], box[3], box[0], box[1], frame, frame + bar))
    whole = box  # frame and title bar: nothing else may be on screen
    box = (box[0], box[1] + bar, box[2], box[3] - bar)
    problems = h.check_ring(shot, box, BORDER, expect)
    if problems:
        raise h.Failure('the frame is not one %d-pixel ring of %s:\n  %s'
                        % (BORDER, h.colour_str(expect), '\n  '.join(problems)))

    interior = h.inset(box, BORDER)
    area = interior[2] * interior[3]
    not_background = area - h.count_colour(shot, interior, background)
    h.log('window content: %d of %d pixels are not the background' % (not_background, area))
    if not_background * 2 <= area:
        raise h.Failure('the configured VM\'s window shows mostly background')

    bad = h.first_mismatch_outside(shot, whole, background)
    if bad is not None:
        x, y, value = bad
        raise h.Failure('outside the one frame, pixel (%d,%d) is %s, not the '
                        'background %s: something else is on screen'
                        % (x, y, h.colour_str(value), BACKGROUND))
    h.log('outside the frame: every pixel is the background %s' % BACKGROUND)
    s.check_alive()


if __name__ == '__main__':
    h.run('unconfigured-vm', test)
