#!/usr/bin/env python3
"""The Xen lab's verdict, on the host, from what dom0 left in the results
folder (tests/xen/guest/checks): its own verdicts (CHECK N PASS|FAIL what)
and the screenshots it took, listed in shots.txt with the windows each
should show (VM:label) and the earlier shot to compare with.

For each screenshot, each VM's window must be framed in its label colour
(a 4-pixel border round its app's window, under a 22-pixel title bar),
where no window above it covers it; the topmost one's title bar must hold
dom0's text; the content inside must be the app's, not the background,
and, for an app that animates, differ from the earlier shot (frames
flowing); a label colour of a VM not listed must not be on screen. The same judgement as
tests/e2e/test_border_and_title.py, with the helpers of its harness.

Prints one line per check and its findings; exits 0 only if checks 1 to 4
all have findings and every one passed.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'e2e'))
import mullion_harness as h  # noqa: E402

CHECKS = {
    '1': 'one domU: border, title, live content across grants and vchan',
    '2': 'two domUs, two colours',
    '3': 'domU destroyed and created again',
    '4': 'hostile domU through the real grant path',
}
LABELS = {'blue': '#3465a4', 'red': '#cc0000', 'orange': '#f57900'}
BACKGROUND = '#202020'
BORDER = 4
# Each VM's app (tests/xen/guest/checks): its window size, and whether it
# draws a new frame all the time.
APPS = {
    'work': ((250, 250), True),  # weston-simple-shm
    'bank': ((300, 200), False),  # foot --window-size-pixels=300x200
}


def frame_size(vm):
    (w, hgt), _ = APPS[vm]
    return (w + 2 * BORDER, hgt + 2 * BORDER + h.TITLE_BAR_HEIGHT)


def covered(x, y, boxes):
    return any(bx <= x < bx + bw and by <= y < by + bh for bx, by, bw, bh in boxes)


def visible_mismatches(image, rect, rgb, above):
    """Pixels of rect not covered by a box in above that are not rgb."""
    x0, y0, w, hgt = h.clip_rect(image, rect)
    bad = []
    for y in range(y0, y0 + hgt):
        for x in range(x0, x0 + w):
            if not covered(x, y, above) and image.pixel(x, y) != rgb:
                bad.append((x, y))
    return bad


def visible_pixels(image, rect, above):
    x0, y0, w, hgt = h.clip_rect(image, rect)
    return [(x, y) for y in range(y0, y0 + hgt) for x in range(x0, x0 + w)
            if not covered(x, y, above)]


def judge_shot(results, name, stack, earlier):
    """Findings (passed, text) for one screenshot."""
    findings = []
    path = os.path.join(results, name)
    try:
        with open(path, 'rb') as f:
            image = h.parse_ppm(f.read())
    except (OSError, ValueError) as e:
        return [(False, '%s: no screenshot: %s' % (name, e))]
    before = None
    if earlier:
        try:
            with open(os.path.join(results, earlier + '.ppm'), 'rb') as f:
                before = h.parse_ppm(f.read())
        except (OSError, ValueError) as e:
            findings.append((False, '%s: no earlier shot %s: %s' % (name, earlier, e)))
    background = h.parse_colour(BACKGROUND)
    windows = []  # (vm, rgb, visible bounding box of its colour)
    for item in stack:
        vm, label = item.split(':')
        rgb = h.parse_colour(LABELS[label])
        box = h.bounding_box(image, rgb)
        if box is None:
            findings.append((False, '%s: no pixel of %s\'s label colour %s (%s)'
                             % (name, vm, label, LABELS[label])))
            continue
        windows.append((vm, rgb, box))
    for label, colour in LABELS.items():
        if any(item.split(':')[1] == label for item in stack):
            continue
        rgb = h.parse_colour(colour)
        n = h.count_colour(image, (0, 0, image.width, image.height), rgb)
        if n > 100:
            findings.append((False, '%s: %d pixels of %s (%s), whose VM should not be '
                             'on screen' % (name, n, label, colour)))

    def ring_bad(rgb, box, above):
        frame = (box[0], box[1] + h.TITLE_BAR_HEIGHT, box[2], box[3] - h.TITLE_BAR_HEIGHT)
        bad = []
        for side in h.ring_sides(frame, BORDER).values():
            bad += visible_mismatches(image, side, rgb, above)
        return bad

    def place(vm, visible, above):
        """The window's whole rectangle from the visible part of its colour:
        where the visible part is narrower than the frame, the rest is on
        the side a window above covers. None if it cannot be its frame."""
        (bx, by, bw, bh), (fw, fh) = visible, frame_size(vm)
        if bw > fw or bh > fh:
            return None
        x, y = bx, by
        if bw < fw and any(covered(bx - 1, row, above) for row in range(by, by + bh)):
            x = bx + bw - fw
        if bh < fh and any(covered(col, by - 1, above) for col in range(bx, bx + bw)):
            y = by + bh - fh
        return (x, y, fw, fh)

    # The stacking order is the compositor's (a new window goes below the
    # focused one): found by peeling, from the top, a window whose border
    # is whole where none already peeled covers it.
    order = []  # (vm, rgb, rectangle), top first
    left = list(windows)
    while left:
        above = [b for _, _, b in order]
        placed = [(w, place(w[0], w[2], above)) for w in left]
        top = next(((w, r) for w, r in placed if r and not ring_bad(w[1], r, above)),
                   placed[-1])
        (vm, rgb, visible), rect = top
        left.remove(top[0])
        if rect is None:
            (fw, fh) = frame_size(vm)
            findings.append((False, '%s: %s\'s colour covers %dx%d at (%d,%d), more '
                             'than the %dx%d of its frame and title bar'
                             % (name, vm, visible[2], visible[3], visible[0], visible[1],
                                fw, fh)))
            continue
        order.append((vm, rgb, rect))
    for i, (vm, rgb, box) in enumerate(order):
        above = [b for _, _, b in order[:i]]
        bar = (box[0], box[1], box[2], h.TITLE_BAR_HEIGHT)
        frame = (box[0], box[1] + h.TITLE_BAR_HEIGHT, box[2], box[3] - h.TITLE_BAR_HEIGHT)
        bad = ring_bad(rgb, box, above)
        if bad:
            ring_bad_pixels = bad
            x, y = ring_bad_pixels[0]
            findings.append((False, '%s: %s\'s border: %d visible pixels not %s, first '
                             '(%d,%d) is %s' % (name, vm, len(bad), h.colour_str(rgb),
                                                x, y, h.colour_str(image.pixel(x, y)))))
        else:
            findings.append((True, '%s: %s framed in %s at (%d,%d)%s'
                             % (name, vm, h.colour_str(rgb), box[0], box[1],
                                ', partly under %d window(s)' % len(above) if above else '')))
        if not above:
            label_px = h.count_colour(image, bar, rgb)
            white = h.count_colour(image, bar, (255, 255, 255))
            text = bar[2] * bar[3] - label_px
            ok = white >= 20 and text >= 200 and label_px >= bar[2] * bar[3] // 2
            findings.append((ok, '%s: %s\'s title bar: %d text pixels (%d white) on %s'
                             % (name, vm, text, white, h.colour_str(rgb))))
        interior = h.inset(frame, BORDER)
        pixels = visible_pixels(image, interior, above)
        if not pixels:
            findings.append((False, '%s: %s\'s content is all covered' % (name, vm)))
            continue
        content = sum(1 for x, y in pixels if image.pixel(x, y) != background)
        ok = content * 2 > len(pixels)
        findings.append((ok, '%s: %s\'s content: %d of %d visible pixels are the app\'s'
                         % (name, vm, content, len(pixels))))
        if before is not None and APPS[vm][1]:
            changed = sum(1 for x, y in pixels if image.pixel(x, y) != before.pixel(x, y))
            ok = changed * 100 > len(pixels)
            findings.append((ok, '%s: %s\'s content: %d of %d visible pixels changed since %s'
                             % (name, vm, changed, len(pixels), earlier)))
    return findings


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('results')
    parser.add_argument('--fault', default='none')
    args = parser.parse_args()

    findings = {check: [] for check in CHECKS}
    try:
        with open(os.path.join(args.results, 'verdicts')) as f:
            for line in f:
                parts = line.rstrip('\n').split(' ', 3)
                if len(parts) == 4 and parts[0] == 'CHECK' and parts[1] in findings:
                    findings[parts[1]].append((parts[2] == 'PASS', parts[3]))
    except OSError as e:
        print('no verdicts from dom0: %s' % e)
    try:
        with open(os.path.join(args.results, 'shots.txt')) as f:
            for line in f:
                parts = line.split()
                if len(parts) < 4 or parts[0] != 'SHOT' or parts[2] not in findings:
                    continue
                earlier = parts[4] if len(parts) > 4 else None
                findings[parts[2]] += judge_shot(args.results, parts[1],
                                                 parts[3].split(','), earlier)
    except OSError:
        pass

    status = 0
    for check, title in CHECKS.items():
        found = findings[check]
        passed = bool(found) and all(ok for ok, _ in found)
        if not passed:
            status = 1
        print('check %s %s: %s' % (check, 'PASS' if passed else 'FAIL', title))
        if not found:
            print('    not run')
        for ok, text in found:
            print('    %s %s' % ('ok  ' if ok else 'FAIL', text))
    if args.fault != 'none':
        print('(fault planted: %s)' % args.fault)
    return status


if __name__ == '__main__':
    sys.exit(main())
