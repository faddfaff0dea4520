#!/usr/bin/env python3
"""The secure attention key (Ctrl+Alt+Escape by default) is dom0's alone:
with a VM window focused, pressing it reaches no VM client (neither its
press nor its release), and takes the keyboard away from the VM: what is
typed next does not reach the VM either, it goes to dom0's window
switcher, which lists the VM's window in its colour. Return there gives
the keyboard back to the selected window.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

BORDER = 4
LABEL_COLOUR = '#3465a4'


def test(s):
    h.require_tool('grim', 'grim')
    wtype = h.require_tool('wtype', 'wtype')
    s.start_compositor(s.vm_config('blue', border=BORDER))
    keys = s.path('vm-keys.txt')
    agent = s.start_agent('work', [h.program('MULLION_TEST_INPUT_CLIENT'), '--write-keys', keys])
    events = h.Events(agent)
    events.wait_for('ready', timeout=h.READY_TIMEOUT_S)
    x, y, _, _ = s.wait_for_window(h.parse_colour(LABEL_COLOUR), BORDER, timeout=10)
    s.click(x + 10, y + 10)
    events.seen = 0
    events.wait_for('keyboard-enter')
    s.type_text('a')
    deadline = time.monotonic() + h.EVENT_TIMEOUT_S
    while time.monotonic() < deadline and not (os.path.exists(keys) and open(keys).read()):
        time.sleep(0.05)
    with open(keys) as f:
        if f.read() != 'a':
            raise h.Failure('the focused VM did not get the typed "a"')

    events.mark()
    s._dom0_tool([wtype, '-M', 'ctrl', '-M', 'alt', '-k', 'Escape', '-m', 'alt', '-m', 'ctrl'],
                 'wtype Ctrl+Alt+Escape')
    events.wait_for('keyboard-leave')
    time.sleep(0.3)
    after = events.lines()[events.seen:]
    keys_seen = [line for line in after if line.startswith('key ')]
    if keys_seen:
        raise h.Failure('the VM saw key events of the secure attention key: %r' % keys_seen)
    h.log('secure attention key: the VM lost the keyboard and saw no key of it')

    events.mark()
    s.type_text('b')
    time.sleep(0.5)
    late = [line for line in events.lines()[events.seen:] if line.startswith('key ')]
    with open(keys) as f:
        typed = f.read()
    if late or typed != 'a':
        raise h.Failure('after the secure attention key the VM still got keys: %r, %r'
                        % (late, typed))

    # The switcher: a row in the VM's colour, centred near the top,
    # away from the window (which is at the left).
    shot = s.screenshot('switcher')
    row = (360, 80, 560, h.TITLE_BAR_HEIGHT)
    in_colour = h.count_colour(shot, row, h.parse_colour(LABEL_COLOUR))
    if in_colour < row[2] * row[3] // 2:
        raise h.Failure('no switcher row in the VM\'s colour at %r (%d pixels)'
                        % (row, in_colour))
    h.log('switcher: the VM\'s window listed in its colour')
    events.mark()
    s.type_keys('Return')
    events.wait_for('keyboard-enter')
    s.type_text('c')
    deadline = time.monotonic() + h.EVENT_TIMEOUT_S
    while time.monotonic() < deadline and open(keys).read() != 'ac':
        time.sleep(0.05)
    with open(keys) as f:
        if f.read() != 'ac':
            raise h.Failure('after Return in the switcher the VM did not get the keyboard')
    h.log('Return in the switcher gave the window the keyboard again')
    s.check_alive()


if __name__ == '__main__':
    h.run('secure-attention', test)
