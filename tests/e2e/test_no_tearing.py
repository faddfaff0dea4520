#!/usr/bin/env python3
"""A frame is shown whole or not at all, though its copies overlap.

The benchmark's frame client paints each frame of a 1024x768 window all
in one colour, never the last frame's. A frame that size reaches dom0 in
parts (DAMAGE_PART, wire-protocol.md 6.13): the bridge copies the first
bands while the agent still draws the last ones. Nothing may show until
the whole frame is in: every screenshot must show the window's content
in one colour. The bridge's counters (SIGUSR1) must show that parts were
copied, or the test proves nothing.

Not a timing: it holds on a loaded machine too.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

LABEL = 'blue'
LABEL_COLOUR = '#3465a4'
BORDER = 4
# 3 MiB a frame: the agent sends it in parts (frames of twice its 1 MiB
# bands and more), three here.
WIDTH, HEIGHT = 1024, 768
SHOTS = 40
# The client's colours (bench/frame-client.c, --solid), as RGB.
COLOURS = {(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255),
           (255, 0, 255)}


def bridge_parts(compositor_pid, stderr_path):
    """Asks the bridge for its counters; returns how many parts it copied."""
    bridge = h.bridge_pid(compositor_pid)
    if bridge is None:
        raise h.Failure('no mullion-bridge process under the compositor')
    return h.read_stats('bridge', bridge, stderr_path)['parts']


def test(s):
    if len(sys.argv) < 2:
        raise h.Failure('usage: test_no_tearing.py PATH-OF-mullion-frame-client')
    client = sys.argv[1]
    compositor = s.start_compositor(s.vm_config(LABEL, border=BORDER),
                                    size=(WIDTH + 160, HEIGHT + 160))
    s.start_agent('work', [client, '--size', '%dx%d' % (WIDTH, HEIGHT), '--solid',
                           '--warmup', '0', '--frames', '1000000', '--seconds', '120'])
    rect = s.wait_for_window(h.parse_colour(LABEL_COLOUR), BORDER, timeout=10)
    if rect[2:] != (WIDTH, HEIGHT):
        raise h.Failure('the window shows %dx%d, not %dx%d' % (rect[2], rect[3], WIDTH,
                                                              HEIGHT))
    seen = set()
    for k in range(SHOTS):
        shot = s.screenshot('shot-%02d' % k)
        colour = shot.pixel(rect[0], rect[1])
        if colour not in COLOURS:
            raise h.Failure('screenshot %d: the window\'s corner is %s, not a colour the '
                            'client paints' % (k, h.colour_str(colour)))
        mismatch = h.first_mismatch(shot, rect, colour)
        if mismatch is not None:
            x, y, value = mismatch
            raise h.Failure('screenshot %d shows two frames at once: the window is %s at '
                            'its top left corner and %s at (%d, %d) of it'
                            % (k, h.colour_str(colour), h.colour_str(value), x - rect[0],
                               y - rect[1]))
        seen.add(colour)
        # Only a failing screenshot is worth keeping.
        s.screenshots.pop()
    if len(seen) < 3:
        raise h.Failure('%d screenshots showed only %s: frames are not flowing'
                        % (SHOTS, ', '.join(h.colour_str(c) for c in sorted(seen))))
    parts = bridge_parts(compositor.pid, compositor.stderr_path)
    h.log('%d screenshots, each one colour (%d colours seen); the bridge copied %d parts'
          % (SHOTS, len(seen), parts))
    if parts == 0:
        raise h.Failure('the bridge copied no DAMAGE_PART: the frames did not overlap, '
                        'so this test proved nothing')
    s.check_alive()


if __name__ == '__main__':
    h.run('no-tearing', test)
