#!/usr/bin/env python3
"""Nested mode: mullion inside another session shows its VMs' windows in
its own window.

The outer session is a headless mullion with no VM; the nested mullion
runs inside it with WLR_BACKENDS=wayland (wlroots' Wayland backend, as a
developer would run it inside their desktop) with one VM, whose agent
runs weston-simple-shm. grim, a client of the OUTER compositor, must see
the VM window's label-coloured frame inside the nested compositor's
window, which is told apart by its own background colour.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

OUTER_BACKGROUND = '#102030'
NESTED_BACKGROUND = '#304030'
LABEL = 'green'
LABEL_COLOUR = '#73d216'
BORDER = 4
OUTER_SIZE = (1600, 900)
NESTED_SIZE = (1280, 720)  # the Wayland backend's window


def inside(inner, outer):
    ix, iy, iw, ih = inner
    ox, oy, ow, oh = outer
    return ox <= ix and oy <= iy and ix + iw <= ox + ow and iy + ih <= oy + oh


def test(s):
    h.require_tool('grim', 'grim')
    app = h.require_tool('weston-simple-shm', 'weston')
    label = h.parse_colour(LABEL_COLOUR)
    nested_bg = h.parse_colour(NESTED_BACKGROUND)

    s.start_compositor('[general]\nbackground = %s\n' % OUTER_BACKGROUND, size=OUTER_SIZE)

    # The nested compositor: a client of the outer one, and the dom0 of
    # its own VM. Same runtime dir, so each finds the other's socket.
    config = s.path('nested.conf')
    with open(config, 'w') as f:
        f.write('[general]\nborder-width = %d\nbackground = %s\n\n' % (BORDER, NESTED_BACKGROUND))
        f.write('[vm work]\nlabel = %s\nvchan = socket:%s\n' % (LABEL, s.vchan_dir('work')))
    env = s.dom0_env()
    env['WLR_BACKENDS'] = 'wayland'
    env['MULLION_BRIDGE'] = h.program('MULLION_BRIDGE')
    argv = [h.program('MULLION'), '-c', config]
    if s.verbose:
        argv.append('-v')
    nested = h.Child('mullion-nested', argv, env, s.log_dir)
    s.children.append(nested)
    nested_display = nested.wait_for_line('WAYLAND_DISPLAY=', h.READY_TIMEOUT_S)
    h.log('nested compositor ready: WAYLAND_DISPLAY=%s inside %s (pid %d)'
          % (nested_display, s.wayland_display, nested.pid))
    if nested_display == s.wayland_display:
        raise h.Failure('the nested compositor took the outer one\'s socket name')

    s.start_agent('work', [app])

    # The outer screen: the nested window, and inside it the VM's frame.
    frame = None
    for _ in range(75):
        shot = s.screenshot('outer')
        frame = h.bounding_box(shot, label)
        if frame is not None and frame[2] > 2 * BORDER + 100:
            break
        if not nested.running():
            raise h.Failure('the nested compositor exited with status %s'
                            % nested.proc.returncode)
        s.check_alive()
        time.sleep(0.2)
    else:
        raise h.Failure('no VM frame in %s on the outer screen within 15 s' % LABEL_COLOUR)

    window = h.bounding_box(shot, nested_bg)
    h.log('outer screen %dx%d: nested window (background %s) at %r, VM frame (%s) at %r'
          % (shot.width, shot.height, NESTED_BACKGROUND, window, LABEL_COLOUR, frame))
    if window is None:
        raise h.Failure('the nested compositor\'s background %s is nowhere on the outer '
                        'screen' % NESTED_BACKGROUND)
    if (window[2], window[3]) != NESTED_SIZE:
        raise h.Failure('the nested window covers %dx%d, expected the Wayland backend\'s '
                        '%dx%d' % (window[2], window[3]) + NESTED_SIZE)
    if not inside(frame, window):
        raise h.Failure('the VM frame %r is not inside the nested window %r' % (frame, window))
    problems = h.check_ring(shot, frame, BORDER, label)
    if problems:
        raise h.Failure('the VM frame is not a %d-pixel %s ring:\n  %s'
                        % (BORDER, LABEL_COLOUR, '\n  '.join(problems)))
    outside = h.first_mismatch_outside(shot, window, h.parse_colour(OUTER_BACKGROUND))
    if outside is not None:
        raise h.Failure('outside the nested window, pixel (%d,%d) is %s, not the outer '
                        'background' % (outside[0], outside[1], h.colour_str(outside[2])))
    if not nested.running():
        raise h.Failure('the nested compositor exited with status %s' % nested.proc.returncode)
    s.check_alive()


if __name__ == '__main__':
    h.run('nested', test)
