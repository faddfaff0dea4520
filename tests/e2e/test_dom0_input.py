#!/usr/bin/env python3
"""Input injected from dom0 reaches a dom0 client, at exact coordinates.

The compositor runs with no VM. mullion-test-input-client, a dom0 client,
shows a window with a subsurface and, on a right click, a popup, and prints
every event it gets. wtype types over the virtual keyboard protocol and
mullion-test-pointer clicks, drags and scrolls over the virtual pointer
protocol. The window is found on a screenshot by its colour, so the test
does not depend on where the compositor places it; every point the test
clicks then has one exact surface-local answer.
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

SIZE = (1280, 720)
BACKGROUND = '#202020'
MAIN = '#1f8f4f'
WINDOW = (200, 150)
SUB = '#c05020'
SUB_RECT = (120, 90, 60, 40)     # in the window
POPUP = '#8040c0'
POPUP_RECT = (20, 30, 80, 50)    # in the window
EVENT_TIMEOUT_S = h.EVENT_TIMEOUT_S
BTN_LEFT, BTN_RIGHT = 272, 273


def inject(s, argv):
    """Runs a dom0 input tool to completion."""
    try:
        result = subprocess.run(argv, env=s.dom0_env(), stdin=subprocess.DEVNULL,
                                capture_output=True, timeout=10)
    except subprocess.TimeoutExpired:
        raise h.Failure('%s did not finish within 10 s' % ' '.join(argv))
    if result.returncode != 0:
        s.check_alive()
        raise h.Failure('%s failed with status %d: %s'
                        % (' '.join(argv), result.returncode,
                           result.stderr.decode('utf-8', 'replace').strip()))


def find_rect(shot, colour, what, size):
    box = h.bounding_box(shot, h.parse_colour(colour))
    if box is None:
        raise h.Failure('no pixel of the %s colour %s on screen' % (what, colour))
    if box[2:] != size:
        raise h.Failure('the %s is %dx%d on screen, expected %dx%d'
                        % (what, box[2], box[3], size[0], size[1]))
    return box


def test(s):
    wtype = h.require_tool('wtype', 'wtype')
    h.require_tool('grim', 'grim')
    pointer = h.program('MULLION_TEST_POINTER')
    size_arg = '%dx%d' % SIZE

    s.start_compositor('[general]\nbackground = %s\n' % BACKGROUND, size=SIZE)
    keys_path = s.path('typed.txt')
    argv = [h.program('MULLION_TEST_INPUT_CLIENT'),
            '--size', '%dx%d' % WINDOW, '--colour', MAIN[1:],
            '--subsurface', '%d,%d,%dx%d' % SUB_RECT, '--sub-colour', SUB[1:],
            '--popup', '%d,%d,%dx%d' % POPUP_RECT, '--popup-colour', POPUP[1:],
            '--write-keys', keys_path]
    client = h.Child('input-client', argv, s.dom0_env(), s.log_dir)
    s.children.append(client)
    client.wait_for_line('ready', h.READY_TIMEOUT_S)
    events = h.Events(client)

    shot = s.screenshot('window')
    wx, wy, _, _ = find_rect(shot, MAIN, 'window', WINDOW)
    sx, sy, _, _ = find_rect(shot, SUB, 'subsurface', SUB_RECT[2:])
    if (sx - wx, sy - wy) != SUB_RECT[:2]:
        raise h.Failure('the subsurface is at (%d,%d) of the window, expected (%d,%d)'
                        % (sx - wx, sy - wy, SUB_RECT[0], SUB_RECT[1]))
    h.log('window at (%d,%d), subsurface at (%d,%d)' % (wx, wy, sx, sy))

    def click(x, y, button='left'):
        events.mark()
        inject(s, [pointer, '--size', size_arg, 'click', str(wx + x), str(wy + y), button])

    # (a) Keys typed in dom0 reach the focused window.
    events.wait_for('keyboard-enter')
    inject(s, [wtype, 'hello'])
    deadline = time.monotonic() + EVENT_TIMEOUT_S
    typed = ''
    while time.monotonic() < deadline:
        with open(keys_path, 'r', errors='replace') as f:
            typed = f.read()
        if typed == 'hello':
            break
        time.sleep(0.02)
    if typed != 'hello':
        raise h.Failure('wtype typed "hello"; the client got %r' % typed)
    h.log('typed: %r' % typed)

    # (b) A click gives exact surface-local coordinates: main surface...
    click(37, 23)
    events.wait_for('pointer-enter main 37.00 23.00',
                    'pointer-button main 37.00 23.00 %d pressed' % BTN_LEFT,
                    'pointer-button main 37.00 23.00 %d released' % BTN_LEFT)
    # ... its subsurface ...
    click(SUB_RECT[0] + 10, SUB_RECT[1] + 7)
    events.wait_for('pointer-leave main', 'pointer-enter sub 10.00 7.00',
                    'pointer-button sub 10.00 7.00 %d pressed' % BTN_LEFT)
    h.log('clicks on the window and its subsurface: exact coordinates')

    # ... and a popup, opened by a right click. A click outside dismisses it.
    click(50, 12, 'right')
    events.wait_for('pointer-button main 50.00 12.00 %d pressed' % BTN_RIGHT,
                    'popup-configure %d %d %d %d' % POPUP_RECT, 'popup-ready')
    click(POPUP_RECT[0] + 15, POPUP_RECT[1] + 6)
    events.wait_for('pointer-enter popup 15.00 6.00',
                    'pointer-button popup 15.00 6.00 %d pressed' % BTN_LEFT)
    events.mark()
    inject(s, [pointer, '--size', size_arg, 'click', str(SIZE[0] - 10), str(SIZE[1] - 10)])
    events.wait_for('popup-done')
    h.log('popup: exact coordinates, dismissed by a click outside')

    # Implicit grab: the surface that got the press follows the pointer
    # out of the window until the release, and then loses it.
    events.mark()
    inject(s, [pointer, '--size', size_arg, 'move', str(wx + 10), str(wy + 10), 'press',
               'move', str(wx + 300), str(wy + 200), 'release'])
    events.wait_for('pointer-button main 10.00 10.00 %d pressed' % BTN_LEFT,
                    'pointer-motion main 300.00 200.00',
                    'pointer-button main 300.00 200.00 %d released' % BTN_LEFT,
                    'pointer-leave main')

    # Wheel and touchpad scrolling keep their source and steps.
    events.mark()
    inject(s, [pointer, '--size', size_arg, 'scroll', str(wx + 60), str(wy + 20), '15',
               '--discrete', '1'])
    inject(s, [pointer, '--size', size_arg, 'scroll', str(wx + 60), str(wy + 20), '-2.5',
               '--source', 'finger', '--horizontal'])
    events.wait_for('pointer-axis main 60.00 20.00 vertical 15.00 1 wheel',
                    'pointer-axis main 60.00 20.00 horizontal -2.50 0 finger')
    h.log('grab and scrolling: as expected')
    s.check_alive()


if __name__ == '__main__':
    h.run('dom0-input', test)
