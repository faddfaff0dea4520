#!/usr/bin/env python3
"""A GTK 3 app from Debian in a VM, used through a menu: zenity's entry
dialog gets text typed from dom0; a right click in the entry opens GTK's
context menu, an xdg_popup that dom0 shows beside the pointer, on screen,
framed in the VM's colour; a click outside dismisses it.

Not checked here: a click on one of its items. One lands about an item
lower than it should in GTK's menus (not in the project's own client's
popups, whose coordinates vm-pointer checks exactly); see doc/apps.md.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

OUTPUT = (1280, 720)
BORDER = 4
POPUP_BORDER = BORDER // 2
LABEL = 'purple'
LABEL_COLOUR = '#75507b'


def new_colour_box(before, after, rgb, area):
    """The smallest rectangle holding every pixel of area that is rgb in
    after and was not in before."""
    rgb = tuple(rgb)
    x0, y0, w, hgt = h.clip_rect(after, area)
    xs, ys = [], []
    for y in range(y0, y0 + hgt):
        for x in range(x0, x0 + w):
            if tuple(after.pixel(x, y)) == rgb and tuple(before.pixel(x, y)) != rgb:
                xs.append(x)
                ys.append(y)
    if not xs:
        return None
    return (min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1)


def test(s):
    h.require_tool('grim', 'grim')
    h.require_tool('wtype', 'wtype')
    zenity = h.require_tool('zenity', 'zenity')
    s.start_compositor(s.vm_config(LABEL, border=BORDER), size=OUTPUT)
    agent = s.start_agent('work', ['env', 'GDK_BACKEND=wayland', 'NO_AT_BRIDGE=1', zenity,
                                   '--entry', '--title=gtk-menu', '--text=type here'])
    x, y, w, hgt = s.wait_for_window(h.parse_colour(LABEL_COLOUR), BORDER, timeout=20)
    h.log('zenity\'s dialog at %r' % ((x, y, w, hgt),))
    time.sleep(0.5)  # GTK binds its keyboard and draws
    entry = (x + w // 2, y + 53)  # the entry, under the label
    s.click(*entry)
    s.type_text('hello world')
    time.sleep(0.3)
    before_shot = s.screenshot('before-menu')
    before = h.bounding_box(before_shot, h.parse_colour(LABEL_COLOUR))

    s.pointer('move', entry[0], entry[1], 'press', 'right', 'release', 'right')
    # The pointer (drawn into the output) off the menu's frame.
    s.pointer('move', OUTPUT[0] - 10, OUTPUT[1] - 10)
    deadline = time.monotonic() + 5
    while True:
        shot = s.screenshot('menu')
        after = h.bounding_box(shot, h.parse_colour(LABEL_COLOUR))
        if after != before or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if after == before:
        raise h.Failure('a right click in the entry opened no menu')
    # The popup's frame: the pixels of the VM's colour that are new.
    popup = new_colour_box(before_shot, shot, h.parse_colour(LABEL_COLOUR),
                           (entry[0] - 40, entry[1] - 40, 480, 480))
    h.log('GTK\'s menu, framed, at %r' % (popup,))
    if popup[0] + popup[2] > OUTPUT[0] or popup[1] + popup[3] > OUTPUT[1]:
        raise h.Failure('the menu %r is not all on screen' % (popup,))
    problems = h.check_ring(shot, popup, POPUP_BORDER, h.parse_colour(LABEL_COLOUR))
    if problems:
        raise h.Failure('the menu is not framed in the VM\'s colour:\n  %s'
                        % '\n  '.join(problems))

    # A click elsewhere dismisses it (dom0's popup_done, passed to GTK).
    s.click(OUTPUT[0] - 100, OUTPUT[1] - 100)
    deadline = time.monotonic() + 5
    while True:
        shot = s.screenshot('dismissed')
        left = new_colour_box(before_shot, shot, h.parse_colour(LABEL_COLOUR),
                              (x - 40, y - 40, 480, 480))
        if left is None or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if left is not None:
        raise h.Failure('a click outside left the menu on screen at %r' % (left,))
    h.log('a click outside the menu dismissed it')
    s.check_alive()


if __name__ == '__main__':
    h.run('vm-gtk-menu', test)
