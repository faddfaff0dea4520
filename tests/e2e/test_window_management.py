#!/usr/bin/env python3
"""Window management is dom0's and follows the user: a click focuses a
window, the cycle key (Alt+Tab) moves the focus to the other window, and
dragging a VM window's title bar moves it by exactly the drag, with no
client seeing the drag.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

BORDER = 4
VMS = {'one': ('blue', '#3465a4'), 'two': ('orange', '#f57900')}


def test(s):
    h.require_tool('grim', 'grim')
    wtype = h.require_tool('wtype', 'wtype')
    config = ['[general]', 'border-width = %d' % BORDER, '']
    for vm, (label, _) in VMS.items():
        config += ['[vm %s]' % vm, 'label = %s' % label,
                   'vchan = socket:%s' % s.vchan_dir(vm), '']
    s.start_compositor('\n'.join(config))
    events, windows = {}, {}
    for vm, (_, colour) in VMS.items():
        agent = s.start_agent(vm, [h.program('MULLION_TEST_INPUT_CLIENT')])
        events[vm] = h.Events(agent)
        events[vm].wait_for('ready', timeout=h.READY_TIMEOUT_S)
        windows[vm] = s.wait_for_window(h.parse_colour(colour), BORDER, timeout=10)

    x, y, _, _ = windows['one']
    s.click(x + 10, y + 10)
    events['one'].seen = 0
    events['one'].wait_for('keyboard-enter')
    h.log('click: window one has the keyboard')

    events['two'].mark()
    s._dom0_tool([wtype, '-M', 'alt', '-k', 'Tab', '-m', 'alt'], 'wtype Alt+Tab')
    events['two'].wait_for('keyboard-enter')
    tab = [line for line in events['two'].lines()[events['two'].seen:]
           if line.startswith('key ')]
    if tab:
        raise h.Failure('the cycle key reached a VM: %r' % tab)
    h.log('Alt+Tab: the focus moved to window two; no VM saw the key')

    # Drag window one by its title bar.
    title_x, title_y = x + 60, y - BORDER - h.TITLE_BAR_HEIGHT // 2
    events['one'].mark()
    s.pointer('move', title_x, title_y, 'press', 'move', title_x + 150, title_y + 80,
              'release')
    deadline = time.monotonic() + 5
    while True:
        moved = s.wait_for_window(h.parse_colour(VMS['one'][1]), BORDER, timeout=5)
        if moved[:2] == (x + 150, y + 80) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if moved[:2] != (x + 150, y + 80):
        raise h.Failure('dragging the title bar by (150,80) moved the window from (%d,%d) '
                        'to (%d,%d)' % (x, y, moved[0], moved[1]))
    seen = [line for line in events['one'].lines()[events['one'].seen:]
            if line.startswith(('pointer-button', 'pointer-motion'))]
    if seen:
        raise h.Failure('the VM saw dom0\'s drag: %r' % seen)
    h.log('drag: the window moved by exactly (150,80); the VM saw none of it')
    s.check_alive()


if __name__ == '__main__':
    h.run('window-management', test)
