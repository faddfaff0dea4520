#!/usr/bin/env python3
"""A VM's pointer image is shown by dom0 only while the pointer is over
that VM's window: a client in VM "painted" sets a 16x16 magenta pointer;
over its window dom0 draws it at the pointer; over VM "plain"'s window
(whose client sets none) and over the background, dom0's own pointer
shows and no magenta is left anywhere.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

BORDER = 4
MAGENTA = (255, 0, 255)
VMS = {'painted': ('blue', '#3465a4', ['--cursor', 'ff00ff']),
       'plain': ('green', '#73d216', [])}


def magenta_at(s, label):
    shot = s.screenshot(label, cursor=True)
    return h.bounding_box(shot, MAGENTA)


def test(s):
    h.require_tool('grim', 'grim')
    config = ['[general]', 'border-width = %d' % BORDER, '']
    for vm, (label, _, _) in VMS.items():
        config += ['[vm %s]' % vm, 'label = %s' % label,
                   'vchan = socket:%s' % s.vchan_dir(vm), '']
    s.start_compositor('\n'.join(config))
    windows = {}
    for vm, (_, colour, argv) in VMS.items():
        agent = s.start_agent(vm, [h.program('MULLION_TEST_INPUT_CLIENT')] + argv)
        h.Events(agent).wait_for('ready', timeout=h.READY_TIMEOUT_S)
        windows[vm] = s.wait_for_window(h.parse_colour(colour), BORDER, timeout=10)

    # painted's window is placed first; its top-left part is never under
    # plain's, and plain's bottom-right part never under painted's.
    x, y, w, hgt = windows['painted']
    s.pointer('move', x + 20, y + 20)
    deadline = time.monotonic() + 5
    box = None
    while box is None and time.monotonic() < deadline:
        box = magenta_at(s, 'over-painted')
        time.sleep(0.1)
    if box != (x + 20, y + 20, 16, 16):
        raise h.Failure('over its window the VM\'s 16x16 pointer should be at (%d,%d); '
                        'the magenta is at %r' % (x + 20, y + 20, box))
    h.log('over its own window: the VM\'s pointer image at %r' % (box,))

    px, py, pw, ph = windows['plain']
    s.pointer('move', px + pw - 20, py + ph - 20)
    time.sleep(0.3)
    box = magenta_at(s, 'over-plain')
    if box is not None:
        raise h.Failure('over another VM\'s window the first VM\'s pointer image is still '
                        'shown at %r' % (box,))
    s.pointer('move', 900, 500)
    time.sleep(0.3)
    box = magenta_at(s, 'over-background')
    if box is not None:
        raise h.Failure('over the background the VM\'s pointer image is still shown at %r'
                        % (box,))
    h.log('over another VM\'s window and over dom0\'s background: no trace of it')
    s.check_alive()


if __name__ == '__main__':
    h.run('vm-cursor', test)
