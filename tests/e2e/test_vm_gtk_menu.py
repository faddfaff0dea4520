#!/usr/bin/env python3
"""A GTK 3 app from Debian in a VM, used through a menu: zenity's entry
dialog gets text typed from dom0; a right click in the entry opens GTK's
context menu, an xdg_popup that dom0 shows beside the pointer, on screen,
framed in the VM's colour; a click outside dismisses it. Opened again,
the pointer moved onto "Select All" highlights that item, a click on it
selects the entry's text (typing then replaces it), and the dialog's
answer, written by zenity in the VM, is the replacement.

GTK 3 selects a menu item on pointer motion, not on the enter that comes
when a menu opens under a pointer at rest, so the test moves onto the
item in two steps, as any real pointer does.
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
# Adwaita's selected menu item.
HIGHLIGHT = '#3584e4'
# "Select All", the next-to-last item, from the bottom of the menu's
# frame (the menu opens below or above the pointer; its items keep their
# order and height either way).
SELECT_ALL_FROM_BOTTOM = 46


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
    answer = s.path('zenity-answer')
    s.start_agent('work', ['sh', '-c', 'exec "$@" > "%s"' % answer, 'sh', 'env',
                           'GDK_BACKEND=wayland', 'NO_AT_BRIDGE=1', zenity, '--entry',
                           '--title=gtk-menu', '--text=type here'])
    x, y, w, hgt = s.wait_for_window(h.parse_colour(LABEL_COLOUR), BORDER, timeout=20)
    h.log('zenity\'s dialog at %r' % ((x, y, w, hgt),))
    time.sleep(0.5)  # GTK binds its keyboard and draws
    entry = (x + w // 2, y + 53)  # the entry, under the label
    s.click(*entry)
    s.type_text('hello world')
    time.sleep(0.3)
    before_shot = s.screenshot('before-menu')

    popup = open_menu(s, entry, before_shot)
    h.log('GTK\'s menu, framed, at %r' % (popup,))
    if popup[0] + popup[2] > OUTPUT[0] or popup[1] + popup[3] > OUTPUT[1]:
        raise h.Failure('the menu %r is not all on screen' % (popup,))
    shot = s.screenshot('menu')
    problems = h.check_ring(shot, popup, POPUP_BORDER, h.parse_colour(LABEL_COLOUR))
    if problems:
        raise h.Failure('the menu is not framed in the VM\'s colour:\n  %s'
                        % '\n  '.join(problems))

    # A click elsewhere dismisses it (dom0's popup_done, passed to GTK).
    s.click(OUTPUT[0] - 100, OUTPUT[1] - 100)
    wait_menu_gone(s, before_shot, (x - 40, y - 40, 480, 480))
    h.log('a click outside the menu dismissed it')

    # Again, and this time choose an item.
    popup = open_menu(s, entry, before_shot)
    item = (popup[0] + popup[2] // 2, popup[1] + popup[3] - SELECT_ALL_FROM_BOTTOM)
    # Onto the item, then along it: the motion is what GTK acts on.
    s.pointer('move', item[0], item[1] - 6)
    time.sleep(0.2)
    s.pointer('move', item[0], item[1] - 3, 'move', item[0], item[1])
    deadline = time.monotonic() + 5
    while True:
        lit = lit_rows(s.screenshot('item-hovered'), popup)
        if item[1] in lit or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if item[1] not in lit:
        raise h.Failure('the item under the pointer at %r is not highlighted (rows %s lit)'
                        % (item, '%d-%d' % (lit[0], lit[-1]) if lit else 'none'))
    s.pointer('press', 'left', 'release', 'left')
    wait_menu_gone(s, before_shot, (x - 40, y - 40, 480, 480))
    s.type_text('replaced')
    s.click(x + w - 53, y + 95)  # OK, at the dialog's foot
    # Without the selection, the answer would be "hello worldreplaced".
    h.wait_for_text(answer, 'replaced\n')
    h.log('"Select All" in GTK\'s menu selected the text: zenity answered "replaced"')
    s.check_alive()


def open_menu(s, entry, before_shot):
    """Right-clicks in the entry; returns the menu's frame (new pixels of
    the VM's colour)."""
    colour = h.parse_colour(LABEL_COLOUR)
    s.pointer('move', entry[0], entry[1], 'press', 'right', 'release', 'right')
    # The pointer (drawn into the output) off the menu's frame.
    s.pointer('move', OUTPUT[0] - 10, OUTPUT[1] - 10)
    area = (entry[0] - 40, entry[1] - 40, 480, 480)
    deadline = time.monotonic() + 5
    while True:
        popup = new_colour_box(before_shot, s.screenshot('menu-opening'), colour, area)
        if popup is not None or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if popup is None:
        raise h.Failure('a right click in the entry opened no menu')
    time.sleep(0.3)  # its last frame
    return new_colour_box(before_shot, s.screenshot('menu-open'), colour, area)


def lit_rows(image, popup):
    """The rows of the menu more than half of whose width is the highlight."""
    x, y, w, hgt = popup
    colour = h.parse_colour(HIGHLIGHT)
    return [row for row in range(y, y + hgt) if h.count_colour(image, (x, row, w, 1), colour) > w // 2]


def wait_menu_gone(s, before_shot, area):
    deadline = time.monotonic() + 5
    while True:
        left = new_colour_box(before_shot, s.screenshot('menu-closing'),
                              h.parse_colour(LABEL_COLOUR), area)
        if left is None or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if left is not None:
        raise h.Failure('the menu stayed on screen at %r' % (left,))


if __name__ == '__main__':
    h.run('vm-gtk-menu', test)
