#!/usr/bin/env python3
"""A VM window is its window geometry: what a client draws outside it
(GTK's shadows, here a 20-pixel band of a colour of its own) never reaches
dom0, and the frame hugs the geometry.

mullion-test-input-client --shadow 20 draws a buffer 20 pixels bigger on
each side, the margin in the shadow colour, and sets its window geometry
to the inside. On screen: not one pixel of the shadow colour, the content
inside the VM's frame is exactly W x H of the window colour and its
subsurface where the client put it; clicks are still exact, in the main
surface's own coordinates (window-geometry-local + 20).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

LABEL = 'blue'
LABEL_COLOUR = '#3465a4'
BORDER = 4
WINDOW = (200, 150)
SHADOW = 20
SHADOW_COLOUR = '#11dd77'
WINDOW_COLOUR = '#336699'  # the input client's default
SUB_RECT = (120, 90, 60, 40)  # window-geometry-local
SUB_COLOUR = '#cc6633'
BTN_LEFT = 272


def test(s):
    h.require_tool('grim', 'grim')
    s.start_compositor(s.vm_config(LABEL, border=BORDER), size=(1280, 720))
    agent = s.start_agent('work', [
        h.program('MULLION_TEST_INPUT_CLIENT'), '--size', '%dx%d' % WINDOW,
        '--shadow', str(SHADOW), '--shadow-colour', SHADOW_COLOUR[1:],
        '--subsurface', '%d,%d,%dx%d' % SUB_RECT])
    events = h.Events(agent)
    events.wait_for('ready', timeout=h.READY_TIMEOUT_S)
    wx, wy, ww, wh = s.wait_for_window(h.parse_colour(LABEL_COLOUR), BORDER, timeout=10)
    h.log('the VM window shows at (%d,%d), %dx%d' % (wx, wy, ww, wh))
    # The sub is drawn with the window's next commit after the first;
    # wait until it is there.
    shot = s.screenshot('window')
    for _ in range(25):
        if h.bounding_box(shot, h.parse_colour(SUB_COLOUR)) is not None:
            break
        shot = s.screenshot('window')

    problems = []
    shadow = h.count_colour(shot, (0, 0, shot.width, shot.height), h.parse_colour(SHADOW_COLOUR))
    if shadow:
        box = h.bounding_box(shot, h.parse_colour(SHADOW_COLOUR))
        problems.append('%d pixels of the shadow colour %s on screen, within %r: the margin '
                        'outside the window geometry reached dom0' % (shadow, SHADOW_COLOUR, box))
    if (ww, wh) != WINDOW:
        problems.append('the frame holds %dx%d, the window geometry is %dx%d: the frame does '
                        'not hug the geometry' % (ww, wh, WINDOW[0], WINDOW[1]))
    sub = h.bounding_box(shot, h.parse_colour(SUB_COLOUR))
    want_sub = (wx + SUB_RECT[0], wy + SUB_RECT[1], SUB_RECT[2], SUB_RECT[3])
    if sub != want_sub:
        problems.append('the subsurface shows at %r, expected %r' % (sub, want_sub))
    # The window colour fills what the subsurface does not cover.
    for rect in ((wx, wy, ww, SUB_RECT[1]), (wx, wy, SUB_RECT[0], wh)):
        bad = h.first_mismatch(shot, rect, h.parse_colour(WINDOW_COLOUR))
        if bad is not None:
            problems.append('pixel (%d,%d) of the window is %s, expected the window colour %s'
                            % (bad[0], bad[1], h.colour_str(bad[2]), WINDOW_COLOUR))
    if problems:
        raise h.Failure('\n  '.join(['the window is not its geometry:'] + problems))
    h.log('no shadow pixel on screen; the frame holds exactly %dx%d' % WINDOW)

    # Clicks: dom0 says where in the window geometry; the client hears
    # where in its surfaces.
    events.mark()
    s.click(wx + 37, wy + 23)
    events.wait_for('pointer-enter main %d.00 %d.00' % (37 + SHADOW, 23 + SHADOW),
                    'pointer-button main %d.00 %d.00 %d pressed'
                    % (37 + SHADOW, 23 + SHADOW, BTN_LEFT))
    events.mark()
    s.click(wx + SUB_RECT[0] + 10, wy + SUB_RECT[1] + 7)
    events.wait_for('pointer-enter sub 10.00 7.00',
                    'pointer-button sub 10.00 7.00 %d pressed' % BTN_LEFT)
    h.log('clicks: exact, main surface-local = geometry-local + %d' % SHADOW)
    s.check_alive()


if __name__ == '__main__':
    h.run('vm-window-geometry', test)
