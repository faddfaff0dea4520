#!/usr/bin/env python3
"""Fullscreen follows each VM's config. A VM left at the default (deny)
that asks for fullscreen stays framed, title bar and all. A VM allowed it
covers the output without a frame, dom0 shows a notice in the VM's colour
naming it, and the secure attention key always leaves fullscreen (and
reaches no VM client), after which the window is framed again.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

OUTPUT = (1280, 720)
BORDER = 4
DENIED = ('denied', 'red', '#cc0000', '20a0a0')
ALLOWED = ('allowed', 'green', '#73d216', 'a02090')


def test(s):
    h.require_tool('grim', 'grim')
    wtype = h.require_tool('wtype', 'wtype')
    config = ['[general]', 'border-width = %d' % BORDER, '']
    for vm, label, _, _ in (DENIED, ALLOWED):
        config += ['[vm %s]' % vm, 'label = %s' % label, 'vchan = socket:%s' % s.vchan_dir(vm)]
        if vm == 'allowed':
            config.append('fullscreen = allow')
        config.append('')
    s.start_compositor('\n'.join(config), size=OUTPUT)

    vm, _, frame_colour, colour = DENIED
    agent = s.start_agent(vm, [h.program('MULLION_TEST_INPUT_CLIENT'), '--fullscreen',
                               '--colour', colour])
    h.Events(agent).wait_for('ready', timeout=h.READY_TIMEOUT_S)
    x, y, w, hgt = s.wait_for_window(h.parse_colour(frame_colour), BORDER, timeout=10)
    if (w, hgt) != (200, 150):
        raise h.Failure('the denied VM\'s window is %dx%d, not its own 200x150' % (w, hgt))
    h.log('denied: the window stays framed at (%d,%d), %dx%d' % (x, y, w, hgt))
    agent.kill()

    vm, _, frame_colour, colour = ALLOWED
    agent = s.start_agent(vm, [h.program('MULLION_TEST_INPUT_CLIENT'), '--fullscreen',
                               '--colour', colour])
    events = h.Events(agent)
    events.wait_for('ready', timeout=h.READY_TIMEOUT_S)
    deadline = time.monotonic() + 10
    while True:
        shot = s.screenshot('fullscreen')
        box = h.bounding_box(shot, h.parse_colour('#' + colour))
        if box == (0, 0) + OUTPUT or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if box != (0, 0) + OUTPUT:
        raise h.Failure('the allowed VM\'s fullscreen window covers %r, not the output' % (box,))
    notice = h.bounding_box(shot, h.parse_colour(frame_colour))
    if notice is None or notice[1] > 40 or notice[3] != h.TITLE_BAR_HEIGHT:
        raise h.Failure('no dom0 notice in the VM\'s colour at the top: %r' % (notice,))
    h.log('allowed: fullscreen over the whole output, dom0 notice at %r' % (notice,))

    s.click(600, 400)  # focus it
    events.mark()
    s._dom0_tool([wtype, '-M', 'ctrl', '-M', 'alt', '-k', 'Escape', '-m', 'alt', '-m', 'ctrl'],
                 'wtype Ctrl+Alt+Escape')
    keys = [line for line in events.lines()[events.seen:] if line.startswith('key ')]
    if keys:
        raise h.Failure('the secure attention key reached the VM: %r' % keys)
    s.type_keys('Escape')  # closes dom0's switcher, which the key opened
    x, y, w, hgt = s.wait_for_window(h.parse_colour(frame_colour), BORDER, timeout=10)
    if x - BORDER < 0 or y - BORDER - h.TITLE_BAR_HEIGHT < 0 or \
            x + w + BORDER > OUTPUT[0] or y + hgt + BORDER > OUTPUT[1]:
        raise h.Failure('after leaving fullscreen the frame %r is not all on screen'
                        % ((x, y, w, hgt),))
    h.log('secure attention key: fullscreen left, framed again at (%d,%d) %dx%d' % (x, y, w, hgt))
    s.check_alive()


if __name__ == '__main__':
    h.run('fullscreen', test)
