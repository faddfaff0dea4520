#!/usr/bin/env python3
"""The clipboard moves between VMs only by the user's keys (Qubes' model):
text copied in VM A is not readable in VM B until the copy key (in A) and
the paste key (in B) are pressed; then B's app reads exactly that text.
After the paste dom0's clipboard is empty: a second paste gives nothing.
No VM sees the keys themselves.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

BORDER = 4
VMS = {'a': ('blue', '#3465a4', '2040c0'), 'b': ('orange', '#f57900', 'c08020')}
SECRET = 'copied in A: \u00e9t\u00e9 42'


def keys(s, *combo):
    wtype = h.require_tool('wtype', 'wtype')
    s._dom0_tool([wtype, '-M', 'ctrl', '-M', 'shift', '-k', combo[0], '-m', 'shift',
                  '-m', 'ctrl'], 'wtype Ctrl+Shift+%s' % combo[0])


def test(s):
    h.require_tool('grim', 'grim')
    tool = h.program('MULLION_TEST_CLIPBOARD')
    config = ['[general]', 'border-width = %d' % BORDER, '']
    for vm, (label, _, _) in VMS.items():
        config += ['[vm %s]' % vm, 'label = %s' % label,
                   'vchan = socket:%s' % s.vchan_dir(vm), '']
    s.start_compositor('\n'.join(config))
    pasted = s.path('b-pasted.txt')
    events, windows = {}, {}
    # One after the other, so that a's window is the first placed and b's
    # goes below and right of it (focus() relies on that).
    for vm, argv in (('a', ['--copy', SECRET]), ('b', ['--paste-to', pasted])):
        agent = s.start_agent(vm, [tool] + argv + ['--colour', VMS[vm][2]])
        events[vm] = h.Events(agent)
        events[vm].wait_for('ready', timeout=h.READY_TIMEOUT_S)
        windows[vm] = s.wait_for_window(h.parse_colour(VMS[vm][1]), BORDER, timeout=10)

    def focus(vm):
        x, y, w, hgt = windows[vm]
        events[vm].mark()  # before the click: what it causes is printed after
        # a's top-left and b's bottom-right corners are never covered.
        s.click(x + 10, y + 10) if vm == 'a' else s.click(x + w - 10, y + hgt - 10)

    # B first: A (the first window) may have had the keyboard before its
    # app bound wl_keyboard; a click elsewhere and back is a fresh enter.
    focus('b')
    focus('a')
    events['a'].wait_for('copied')  # A's app set its own (VM-local) selection
    focus('b')
    events['b'].wait_for('keyboard-enter')
    time.sleep(0.5)
    if h.read_text(pasted) is not None:
        raise h.Failure('B read a clipboard before any key was pressed: %r' % h.read_text(pasted))
    h.log('A\'s selection is not readable in B')

    focus('a')
    keys(s, 'c')
    time.sleep(0.5)
    focus('b')
    keys(s, 'v')
    deadline = time.monotonic() + h.EVENT_TIMEOUT_S
    while time.monotonic() < deadline and h.read_text(pasted) != SECRET:
        time.sleep(0.05)
    if h.read_text(pasted) != SECRET:
        raise h.Failure('after copy in A and paste in B, B read %r, not %r'
                        % (h.read_text(pasted), SECRET))
    h.log('copy key in A, paste key in B: B read exactly A\'s text')

    os.unlink(pasted)
    keys(s, 'v')
    time.sleep(0.5)
    with open(s.compositor.stderr_path, errors='replace') as f:
        pastes = [line for line in f if 'Notice: Pasted' in line]
    if len(pastes) != 1 or h.read_text(pasted) is not None:
        raise h.Failure('a second paste moved something: %d pastes, B read %r'
                        % (len(pastes), h.read_text(pasted)))
    h.log('after the paste dom0\'s clipboard is empty')
    for vm in VMS:
        seen = [line for line in events[vm].lines() if line.startswith('key ')]
        if seen:
            raise h.Failure('VM %s saw the clipboard keys: %r' % (vm, seen))
    s.check_alive()


if __name__ == '__main__':
    h.run('clipboard', test)
