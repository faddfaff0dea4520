#!/usr/bin/env python3
"""A VM window larger than the output never covers more than the usable
area, and all four sides of its frame and its title bar stay on screen
(Qubes' QSB-072/073): once with a client that follows dom0's configure
(mullion-test-input-client redraws at the size it is given), once with one
that ignores it (the benchmark's frame client keeps its 2000x1000 buffer,
so the bridge cuts it to the size dom0 asked for).

Usage: test_window_fits.py PATH-OF-mullion-frame-client
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

OUTPUT = (1280, 720)
BORDER = 4
LABEL_COLOUR = '#75507b'
BIG = (2000, 1000)


def check_fits(s, label):
    x, y, w, hgt = s.wait_for_window(h.parse_colour(LABEL_COLOUR), BORDER, timeout=10)
    shot = s.screenshots[-1][1]
    frame = (x - BORDER, y - BORDER - h.TITLE_BAR_HEIGHT,
             w + 2 * BORDER, hgt + 2 * BORDER + h.TITLE_BAR_HEIGHT)
    h.log('%s: content %dx%d at (%d,%d); frame and title bar %r' % (label, w, hgt, x, y, frame))
    if frame[0] < 0 or frame[1] < 0 or frame[0] + frame[2] > OUTPUT[0] or \
            frame[1] + frame[3] > OUTPUT[1]:
        raise h.Failure('%s: the frame %r is not all on the %dx%d output'
                        % (label, frame, OUTPUT[0], OUTPUT[1]))
    ring = (frame[0], frame[1] + h.TITLE_BAR_HEIGHT, frame[2], frame[3] - h.TITLE_BAR_HEIGHT)
    problems = h.check_ring(shot, ring, BORDER, h.parse_colour(LABEL_COLOUR))
    if problems:
        raise h.Failure('%s: the frame is not whole on screen:\n  %s'
                        % (label, '\n  '.join(problems)))
    bar = (frame[0], frame[1], frame[2], h.TITLE_BAR_HEIGHT)
    if h.count_colour(shot, bar, h.parse_colour(LABEL_COLOUR)) < bar[2] * bar[3] // 2:
        raise h.Failure('%s: the title bar is not on screen' % label)


def test(s):
    if len(sys.argv) < 2:
        raise h.Failure('usage: test_window_fits.py PATH-OF-mullion-frame-client')
    h.require_tool('grim', 'grim')
    config = s.vm_config('purple', border=BORDER)
    config += '\n[vm other]\nlabel = purple\nvchan = socket:%s\n' % s.vchan_dir('other')
    s.start_compositor(config, size=OUTPUT)

    agent = s.start_agent('work', [h.program('MULLION_TEST_INPUT_CLIENT'),
                                   '--size', '%dx%d' % BIG])
    events = h.Events(agent)
    events.wait_for('ready', timeout=h.READY_TIMEOUT_S)
    check_fits(s, 'a client that follows the configure')
    agent.kill()

    s.start_agent('other', [sys.argv[1], '--size', '%dx%d' % BIG, '--damage', 'full',
                           '--warmup', '5', '--frames', '100000', '--seconds', '60', '--hold'])
    check_fits(s, 'a client that ignores it')
    s.check_alive()


if __name__ == '__main__':
    h.run('window-fits', test)
