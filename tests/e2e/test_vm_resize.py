#!/usr/bin/env python3
"""Resize from dom0, the whole way round: dom0 resizes a VM window (a drag
on its border, then the maximize key), the compositor configures the
bridge's toplevel, the bridge sends CONFIGURE, the agent configures the
client's xdg_toplevel, the client draws the new size, and the frame
follows it, filled with the client's pixels.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

LABEL = 'blue'
LABEL_COLOUR = '#3465a4'
BORDER = 4
WINDOW = (200, 150)
WINDOW_COLOUR = '#336699'  # the input client's default
GROW = (60, 40)


def wait_for_size(s, size, what):
    """Waits until the frame holds a window of size, all of the client's
    colour; returns its rectangle."""
    deadline = time.monotonic() + 10
    while True:
        rect = s.wait_for_window(h.parse_colour(LABEL_COLOUR), BORDER, timeout=10)
        shot = s.screenshots[-1][1]
        bad = h.first_mismatch(shot, rect, h.parse_colour(WINDOW_COLOUR))
        if (rect[2], rect[3]) == size and bad is None:
            return rect
        if time.monotonic() > deadline:
            raise h.Failure('%s: the frame holds %dx%d%s, expected %dx%d of the client\'s '
                            'colour' % (what, rect[2], rect[3],
                                        '' if bad is None else ', pixel (%d,%d) is %s'
                                        % (bad[0], bad[1], h.colour_str(bad[2])),
                                        size[0], size[1]))
        time.sleep(0.1)


def configured_size(events):
    """The size of the last configure the client got since the mark,
    once it is quiet (a drag sends several)."""
    last, quiet_since = None, time.monotonic()
    deadline = time.monotonic() + h.EVENT_TIMEOUT_S
    while time.monotonic() < deadline:
        sizes = [line.split()[1:3] for line in events.lines()[events.seen:]
                 if line.startswith('configure ')]
        if sizes and sizes[-1] != last:
            last, quiet_since = sizes[-1], time.monotonic()
        if last is not None and time.monotonic() - quiet_since > 0.3:
            width, height = int(last[0]), int(last[1])
            if width > 0 and height > 0:
                return width, height
        time.sleep(0.05)
    raise h.Failure('the client got no configure with a size; it printed:\n  %s'
                    % '\n  '.join(events.lines()[events.seen:]))


def test(s):
    h.require_tool('grim', 'grim')
    wtype = h.require_tool('wtype', 'wtype')
    s.start_compositor(s.vm_config(LABEL, border=BORDER), size=(1280, 720))
    agent = s.start_agent('work', [h.program('MULLION_TEST_INPUT_CLIENT'),
                                   '--size', '%dx%d' % WINDOW])
    events = h.Events(agent)
    events.wait_for('ready', timeout=h.READY_TIMEOUT_S)
    x, y, w, hh = wait_for_size(s, WINDOW, 'the first frame')

    # A drag on the bottom right corner of the border.
    events.mark()
    s.pointer('move', x + w + BORDER // 2, y + hh + BORDER // 2, 'press',
              'move', x + w + BORDER // 2 + GROW[0], y + hh + BORDER // 2 + GROW[1],
              'release')
    size = configured_size(events)
    want = (WINDOW[0] + GROW[0], WINDOW[1] + GROW[1])
    if abs(size[0] - want[0]) > 2 or abs(size[1] - want[1]) > 2:
        raise h.Failure('a drag of %+d,%+d on the corner asked the client for %dx%d, '
                        'expected about %dx%d' % (GROW[0], GROW[1], size[0], size[1],
                                                   want[0], want[1]))
    x2, y2, _, _ = wait_for_size(s, size, 'after a drag on the border')
    if (x2, y2) != (x, y):
        raise h.Failure('the window moved from (%d,%d) to (%d,%d) in a resize from its '
                        'bottom right corner' % (x, y, x2, y2))
    h.log('drag on the border: the client drew %dx%d, the frame follows' % size)

    # The maximize key: the client hears it is maximized, at dom0's size.
    s.click(x + 10, y + 10)
    events.mark()
    s._dom0_tool([wtype, '-M', 'logo', '-k', 'Up', '-m', 'logo'], 'wtype Logo+Up')
    events.wait_for('toplevel-states maximized activated')
    width, height = configured_size(events)
    if width <= size[0] or height <= size[1]:
        raise h.Failure('maximized, the client was asked for %dx%d, not bigger than %dx%d'
                        % (width, height, size[0], size[1]))
    s.pointer('move', s.output_size[0] - 80, 2)  # the cursor onto the title bar
    wait_for_size(s, (width, height), 'maximized')
    h.log('maximized: %dx%d, drawn and framed' % (width, height))
    s.check_alive()


if __name__ == '__main__':
    h.run('vm-resize', test)
