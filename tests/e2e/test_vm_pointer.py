#!/usr/bin/env python3
"""dom0's pointer and keyboard reach a client inside a VM, at exact
coordinates: mullion-test-input-client runs in the VM's agent and prints
every event; dom0 clicks, drags, scrolls and types with its own virtual
devices, at screen points computed from where dom0 shows the VM's frame.

Each click has one right answer in surface-local coordinates, on the main
surface and on its subsurface; the press keeps the pointer (implicit
grab); the pointer's position outside the VM's windows never reaches it.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

LABEL = 'orange'
LABEL_COLOUR = '#f57900'
BORDER = 4
WINDOW = (200, 150)
SUB_RECT = (120, 90, 60, 40)
POPUP_RECT = (20, 30, 80, 50)
POPUP_COLOUR = '#9933cc'  # the input client's default popup colour
BTN_LEFT, BTN_RIGHT = 272, 273


def test(s):
    h.require_tool('grim', 'grim')
    h.require_tool('wtype', 'wtype')
    keys_path = s.path('vm-typed.txt')
    s.start_compositor(s.vm_config(LABEL, border=BORDER), size=(1280, 720))
    agent = s.start_agent('work', [
        h.program('MULLION_TEST_INPUT_CLIENT'), '--size', '%dx%d' % WINDOW,
        '--subsurface', '%d,%d,%dx%d' % SUB_RECT,
        '--popup', '%d,%d,%dx%d' % POPUP_RECT, '--write-keys', keys_path])
    events = h.Events(agent)
    events.wait_for('ready', timeout=h.READY_TIMEOUT_S)
    wx, wy, ww, wh = s.wait_for_window(h.parse_colour(LABEL_COLOUR), BORDER, timeout=10)
    h.log('the VM window shows at (%d,%d), %dx%d' % (wx, wy, ww, wh))
    if (ww, wh) != WINDOW:
        raise h.Failure('the VM window shows %dx%d, the client drew %dx%d'
                        % (ww, wh, WINDOW[0], WINDOW[1]))

    def click(x, y):
        events.mark()
        s.click(wx + x, wy + y)

    # The pointer outside the VM's windows is not the VM's business.
    events.mark()
    s.pointer('move', 5, 5, 'move', 700, 600)
    time.sleep(0.3)
    leaked = [line for line in events.lines()[events.seen:] if line.startswith('pointer')]
    if leaked:
        raise h.Failure('the VM saw pointer events while the pointer was outside '
                        'its windows: %r' % leaked)

    click(37, 23)
    events.wait_for('pointer-enter main 37.00 23.00',
                    'pointer-button main 37.00 23.00 %d pressed' % BTN_LEFT,
                    'pointer-button main 37.00 23.00 %d released' % BTN_LEFT)
    click(SUB_RECT[0] + 10, SUB_RECT[1] + 7)
    events.wait_for('pointer-enter sub 10.00 7.00',
                    'pointer-button sub 10.00 7.00 %d pressed' % BTN_LEFT)
    h.log('clicks on the main surface and the subsurface: exact coordinates')

    # Implicit grab: the press keeps the pointer beyond the window.
    events.mark()
    s.pointer('move', wx + 10, wy + 10, 'press', 'move', wx + 250, wy + 170, 'release')
    events.wait_for('pointer-button main 10.00 10.00 %d pressed' % BTN_LEFT,
                    'pointer-motion main 250.00 170.00',
                    'pointer-button main 250.00 170.00 %d released' % BTN_LEFT,
                    'pointer-leave main')

    events.mark()
    s.pointer('scroll', wx + 60, wy + 20, '15', '--discrete', '1')
    s.pointer('scroll', wx + 60, wy + 20, '-2.5', '--source', 'finger', '--horizontal')
    events.wait_for('pointer-axis main 60.00 20.00 vertical 15.00 1 wheel',
                    'pointer-axis main 60.00 20.00 horizontal -2.50 0 finger')
    h.log('grab and scrolling: as expected')

    # A menu: a right click opens the client's popup (xdg_popup in the
    # VM, a popup of the VM window in dom0), beside its parent, framed in
    # the VM's colour; a click in it has exact coordinates; a click
    # elsewhere dismisses it.
    events.mark()
    s.pointer('click', wx + 50, wy + 12, 'right')
    events.wait_for('pointer-button main 50.00 12.00 %d pressed' % BTN_RIGHT,
                    'popup-configure %d %d %d %d' % POPUP_RECT, 'popup-ready')
    s.pointer('move', 1200, 650)  # the cursor off the popup's frame
    deadline = time.monotonic() + 5
    while True:
        shot = s.screenshot('popup')
        box = h.bounding_box(shot, h.parse_colour(POPUP_COLOUR))
        if box is not None or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    want = (wx + POPUP_RECT[0], wy + POPUP_RECT[1], POPUP_RECT[2], POPUP_RECT[3])
    if box != want:
        raise h.Failure('the VM popup shows at %r, expected %r' % (box, want))
    frame = h.check_ring(shot, (want[0] - 2, want[1] - 2, want[2] + 4, want[3] + 4), 2,
                         h.parse_colour(LABEL_COLOUR))
    if frame:
        raise h.Failure('the popup is not framed in the VM colour:\n  %s' % '\n  '.join(frame))
    click(POPUP_RECT[0] + 15, POPUP_RECT[1] + 6)
    events.wait_for('pointer-enter popup 15.00 6.00',
                    'pointer-button popup 15.00 6.00 %d pressed' % BTN_LEFT)
    events.mark()
    s.click(1200, 650)
    events.wait_for('popup-done')
    h.log('popup: beside its parent, framed, exact coordinates, dismissed by a click outside')

    # The first click gave the window the keyboard (click to focus).
    events.seen = 0
    events.wait_for('keyboard-enter')
    s.type_text('vm keys')
    deadline = time.monotonic() + h.EVENT_TIMEOUT_S
    typed = ''
    while time.monotonic() < deadline:
        if os.path.exists(keys_path):
            with open(keys_path, errors='replace') as f:
                typed = f.read()
            if typed == 'vm keys':
                break
        time.sleep(0.05)
    if typed != 'vm keys':
        raise h.Failure('dom0 typed "vm keys"; the VM client got %r' % typed)
    h.log('keys: %r' % typed)
    s.check_alive()


if __name__ == '__main__':
    h.run('vm-pointer', test)
