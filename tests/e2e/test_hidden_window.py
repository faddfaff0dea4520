#!/usr/bin/env python3
"""A VM cannot tell that its window is hidden, and a new one shows.

VM 'under' is a stand-in whose 64x64 window redraws at every frame dom0
shows; VM 'over' runs mullion-test-input-client, a larger window. Dragged
by its title bar so that its opaque window covers all of under's window,
frame and title bar included, 'over' hides 'under' whole: dom0 no longer
draws it (occlusion.c), but 'under' gets its frames as before, or its VM
would learn when, and by probing where, other windows cover it. Moved so
that two columns of under's border show, and moved off it, 'under' is on
screen where it was, drawing.

Then, with 'over' covering the cascade's next step and holding the
focus, a third VM 'late' maps a window: it goes below the focused one, and
must be placed where some of it shows (not hidden whole, with no frame and
no title bar in view, so that nobody sees it came).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

BORDER = 4
UNDER = ('blue', '#3465a4')
OVER = ('orange', '#f57900')
LATE = ('green', '#73d216')


def test(s):
    h.require_tool('grim', 'grim')
    config = ['[general]', 'border-width = %d' % BORDER, '']
    for vm, (label, _) in (('under', UNDER), ('over', OVER), ('late', LATE)):
        config += ['[vm %s]' % vm, 'label = %s' % label, 'vchan = socket:%s' % s.vchan_dir(vm),
                   '']
    compositor = s.start_compositor('\n'.join(config))
    under = s.start_stand_in('under', 'animate')
    ux, uy, uw, uh = s.wait_for_window(h.parse_colour(UNDER[1]), BORDER, timeout=10)
    # under's whole frame: border, title bar, content.
    frame = (ux - BORDER, uy - BORDER - h.TITLE_BAR_HEIGHT, uw + 2 * BORDER,
             uh + 2 * BORDER + h.TITLE_BAR_HEIGHT)
    bridge = h.bridge_pid(compositor.pid, 'under')
    if bridge is None:
        raise h.Failure('VM under has no bridge')

    def flow(what):
        """under's frames over one second: its stand-in's count and its
        bridge's copies."""
        drawn = h.stand_in_frames(under)
        copied = h.read_stats('bridge', bridge, compositor.stderr_path)['frames']
        time.sleep(1.0)
        drawn = h.stand_in_frames(under) - drawn
        copied = h.read_stats('bridge', bridge, compositor.stderr_path)['frames'] - copied
        h.log('%s: under drew %d frames, its bridge copied %d, in 1 s' % (what, drawn, copied))
        return drawn, copied

    def expect_flowing(what):
        drawn, copied = flow(what)
        if drawn < 30 or copied < 30:
            raise h.Failure('%s: under drew %d frames and its bridge copied %d in 1 s; a VM '
                            'window gets its frames, in view or hidden' % (what, drawn, copied))

    expect_flowing('alone')

    s.start_agent('over', [h.program('MULLION_TEST_INPUT_CLIENT'), '--size',
                           '%dx%d' % (uw + 120, uh + 120)])
    ox, oy, _, _ = s.wait_for_window(h.parse_colour(OVER[1]), BORDER, timeout=10)

    def drag_over(to_x, to_y):
        """Drags over's title bar so that its content's corner goes to
        (to_x, to_y); the press raises it above under."""
        nonlocal ox, oy
        grab_x, grab_y = ox + 40, oy - BORDER - h.TITLE_BAR_HEIGHT // 2
        s.pointer('move', grab_x, grab_y, 'press', 'move', grab_x + to_x - ox,
                  grab_y + to_y - oy, 'release')
        deadline = time.monotonic() + 5
        while True:
            ox, oy, _, _ = s.wait_for_window(h.parse_colour(OVER[1]), BORDER, timeout=5)
            if (ox, oy) == (to_x, to_y):
                return
            if time.monotonic() > deadline:
                raise h.Failure('dragging over to (%d,%d) left it at (%d,%d)'
                                % (to_x, to_y, ox, oy))
            time.sleep(0.1)

    # over's frame 10 pixels beyond under's on the left and the top.
    cover_x = frame[0] - 10 + BORDER
    cover_y = frame[1] - 10 + BORDER + h.TITLE_BAR_HEIGHT
    drag_over(cover_x, cover_y)
    shot = s.screenshot('covered')
    seen = h.count_colour(shot, frame, h.parse_colour(UNDER[1]))
    if seen:
        raise h.Failure('under\'s frame colour shows in %d pixels; the test needs it covered'
                        % seen)
    # Hidden whole, not drawn: its frames must go on all the same.
    expect_flowing('covered')

    # Two columns of under's left border in view.
    drag_over(cover_x + 12, cover_y)
    shot = s.screenshot('edge')
    if not h.count_colour(shot, frame, h.parse_colour(UNDER[1])):
        raise h.Failure('under\'s left border does not show beside over')
    expect_flowing('two columns in view')

    drag_over(frame[0] + frame[2] + 40, cover_y)
    moved = s.wait_for_window(h.parse_colour(UNDER[1]), BORDER, timeout=5)
    if moved != (ux, uy, uw, uh):
        raise h.Failure('uncovered, under is at %r, not where it was (%r)'
                        % (moved, (ux, uy, uw, uh)))
    expect_flowing('uncovered')

    # over back on under, focused; late's cascade step (the third window's)
    # lies under over too.
    drag_over(cover_x, cover_y)
    s.start_stand_in('late', 'window')
    s.wait_for_title('[late] hostile-agent window', timeout=10)
    late = s.wait_for_window(h.parse_colour(LATE[1]), BORDER, timeout=5)
    h.log('late\'s window, mapped below the focused one, is in view at (%d,%d)'
          % late[:2])
    s.check_alive()


if __name__ == '__main__':
    h.run('hidden-window', test)
