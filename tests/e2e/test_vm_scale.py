#!/usr/bin/env python3
"""HiDPI end to end: dom0's output at scale 2 (mullion.conf's
output-scale). Its bridge tells the VM so in HELLO, a client that draws at
buffer scale 2 is shown at its logical size, pixel for pixel: one buffer
pixel at odd coordinates is one screen pixel (drawn at scale 1 and
scaled up, it would be four or none), and its subsurface's edges fall on
the screen pixels where they belong; a click at a screen pixel reaches
the client at the logical coordinates of that pixel. dom0's own drawing
scales with it: the title bar is twice as tall and meets the frame, and
the background fills the screen.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

SCALE = 2
OUTPUT = (1280, 720)  # screen pixels: 640x360 logical
LABEL = 'green'
LABEL_COLOUR = '#73d216'
BORDER = 4  # logical
WINDOW = (100, 80)  # logical
SUB_RECT = (60, 40, 30, 20)  # logical, inside the window
WINDOW_COLOUR = '#336699'  # the input client's defaults
SUB_COLOUR = '#cc6633'
DOT = (21, 13)  # a buffer pixel of the window, in the subsurface's colour


def test(s):
    h.require_tool('grim', 'grim')
    config = s.vm_config(LABEL, border=BORDER).replace(
        '[general]\n', '[general]\noutput-scale = %d\n' % SCALE, 1)
    s.start_compositor(config, size=OUTPUT)
    agent = s.start_agent('work', [
        h.program('MULLION_TEST_INPUT_CLIENT'), '--size', '%dx%d' % WINDOW,
        '--buffer-scale', str(SCALE), '--subsurface', '%d,%d,%dx%d' % SUB_RECT,
        '--dot', '%d,%d' % DOT])
    events = h.Events(agent)
    events.wait_for('ready', timeout=h.READY_TIMEOUT_S)

    # The frame, in screen pixels: the border and the title bar scale too.
    x, y, w, hgt = s.wait_for_window(h.parse_colour(LABEL_COLOUR), BORDER * SCALE, timeout=10)
    # wait_for_window takes the title bar at scale 1; it is twice that.
    y += h.TITLE_BAR_HEIGHT
    hgt -= h.TITLE_BAR_HEIGHT
    h.log('content at (%d,%d), %dx%d screen pixels' % (x, y, w, hgt))
    want = (WINDOW[0] * SCALE, WINDOW[1] * SCALE)
    if (w, hgt) != want:
        raise h.Failure('a %dx%d window at scale %d shows as %dx%d screen pixels, not %dx%d'
                        % (WINDOW[0], WINDOW[1], SCALE, w, hgt, want[0], want[1]))

    shot = s.screenshot('scaled')
    label = h.parse_colour(LABEL_COLOUR)
    border = BORDER * SCALE
    title = h.TITLE_BAR_HEIGHT * SCALE
    frame = (x - border, y - border - title, w + 2 * border, hgt + 2 * border + title)
    if h.bounding_box(shot, label) != frame:
        raise h.Failure('the frame and title bar cover %r, not %r'
                        % (h.bounding_box(shot, label), frame))
    # Its left edge, title bar included, is the label's colour all along.
    column = (frame[0], frame[1], 1, frame[3])
    if h.count_colour(shot, column, label) != frame[3]:
        raise h.Failure('the title bar does not meet the frame: %d of the %d pixels of its '
                        'left edge are the label\'s colour'
                        % (h.count_colour(shot, column, label), frame[3]))
    corner = shot.pixel(OUTPUT[0] - 1, OUTPUT[1] - 1)
    if tuple(corner) != (0x20, 0x20, 0x20):
        raise h.Failure('the background does not reach the screen\'s corner: %r there'
                        % (tuple(corner),))
    dot = h.bounding_box(shot.with_rect((x + SUB_RECT[0] * SCALE, y + SUB_RECT[1] * SCALE,
                                         SUB_RECT[2] * SCALE, SUB_RECT[3] * SCALE), (0, 0, 0)),
                         h.parse_colour(SUB_COLOUR))
    if dot != (x + DOT[0], y + DOT[1], 1, 1):
        raise h.Failure('buffer pixel %r shows as %r, not as screen pixel %r'
                        % (DOT, dot, (x + DOT[0], y + DOT[1], 1, 1)))
    sub = h.bounding_box(shot.with_rect((x + DOT[0], y + DOT[1], 1, 1),
                                        h.parse_colour(WINDOW_COLOUR)),
                         h.parse_colour(SUB_COLOUR))
    want_sub = (x + SUB_RECT[0] * SCALE, y + SUB_RECT[1] * SCALE,
                SUB_RECT[2] * SCALE, SUB_RECT[3] * SCALE)
    if sub != want_sub:
        raise h.Failure('the subsurface shows at %r, not %r' % (sub, want_sub))
    # Sharp: every pixel of the subsurface's box is its colour, and the
    # pixels around it the window's, with nothing blended between.
    problems = []
    if h.count_colour(shot, want_sub, h.parse_colour(SUB_COLOUR)) != want_sub[2] * want_sub[3]:
        problems.append('the subsurface is not one colour')
    ring = h.check_ring(shot, h.inset(want_sub, -1), 1, h.parse_colour(WINDOW_COLOUR))
    if ring:
        problems.append('around the subsurface: ' + '; '.join(ring))
    if problems:
        raise h.Failure('a scale-2 client is not drawn pixel for pixel:\n  %s'
                        % '\n  '.join(problems))

    # Screen pixel (x + 75, y + 53) is logical (37.5, 26.5) in the window.
    events.mark()
    s.click(x + 75, y + 53)
    events.wait_for('pointer-enter main 37.50 26.50', timeout=5)
    h.log('a click at screen pixel +75,+53 reached the client at 37.50,26.50')
    s.check_alive()


if __name__ == '__main__':
    h.run('vm-scale', test)
