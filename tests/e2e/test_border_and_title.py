#!/usr/bin/env python3
"""One VM window, seen from dom0: framed in its label colour, with a title
bar in that colour on which dom0 wrote "[vm] title" (pixels of the text
colour inside the bar), titled with its VM's name for dom0 clients too,
and showing the app's live pixels.

Set MULLION_TEST_EXPECT_COLOUR=#rrggbb to expect another colour and watch
the test fail (with the screenshot saved).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

BORDER = 4
BACKGROUND = '#202020'
LABEL = 'purple'
LABEL_COLOUR = '#75507b'
APP_SIZE = 250  # weston-simple-shm's window is 250x250
TITLE = '[work] simple-shm'


def test(s):
    h.require_tool('grim', 'grim')
    app = h.require_tool('weston-simple-shm', 'weston')
    expect = h.parse_colour(os.environ.get('MULLION_TEST_EXPECT_COLOUR', LABEL_COLOUR))
    background = h.parse_colour(BACKGROUND)

    s.start_compositor(
        s.vm_config(LABEL, border=BORDER, background=BACKGROUND),
        size=(1280, 720))
    s.start_agent('work', [app])

    titles = s.wait_for_title(TITLE, timeout=15)
    h.log('toplevels seen: %r' % titles)
    shot1 = s.screenshot('first')
    time.sleep(0.5)
    shot2 = s.screenshot('second')
    if (shot1.width, shot1.height) != (1280, 720):
        raise h.Failure('screenshot is %dx%d, expected the 1280x720 output'
                        % (shot1.width, shot1.height))

    box = h.bounding_box(shot1, expect)
    if box is None:
        raise h.Failure('no pixel of the label colour %s on screen'
                        % h.colour_str(expect))
    frame = APP_SIZE + 2 * BORDER
    bar = h.TITLE_BAR_HEIGHT
    h.log('label colour %s: bounding box %dx%d at (%d,%d), expected %dx%d'
          % (h.colour_str(expect), box[2], box[3], box[0], box[1], frame, frame + bar))
    if (box[2], box[3]) != (frame, frame + bar):
        raise h.Failure('the label colour covers %dx%d at (%d,%d); a %d-pixel '
                        'border around a %dx%d window, with a %d-pixel title bar, '
                        'covers %dx%d'
                        % (box[2], box[3], box[0], box[1], BORDER,
                           APP_SIZE, APP_SIZE, bar, frame, frame + bar))

    # The title bar: the label colour with dom0's text in white (on this
    # dark purple) inside it, and nothing of the app.
    title_bar = (box[0], box[1], frame, bar)
    white = h.count_colour(shot1, title_bar, (255, 255, 255))
    label_pixels = h.count_colour(shot1, title_bar, expect)
    text_pixels = frame * bar - label_pixels  # the text, antialiased
    h.log('title bar: %d pixels of text (%d pure white), %d of the label colour'
          % (text_pixels, white, label_pixels))
    if white < 20 or text_pixels < 200 or label_pixels < frame * bar // 2:
        raise h.Failure('no "[vm] title" text drawn in the title bar (%d text pixels, '
                        '%d white)' % (text_pixels, white))
    box = (box[0], box[1] + bar, box[2], box[3] - bar)

    problems = h.check_ring(shot1, box, BORDER, expect)
    if problems:
        raise h.Failure('the %d-pixel border is not all %s:\n  %s'
                        % (BORDER, h.colour_str(expect), '\n  '.join(problems)))
    h.log('border: all four %d-pixel sides are %s' % (BORDER, h.colour_str(expect)))

    interior = h.inset(box, BORDER)
    area = interior[2] * interior[3]
    not_background = area - h.count_colour(shot1, interior, background)
    changed = h.count_different(shot1, shot2, interior)
    h.log('window content %dx%d at (%d,%d): %d of %d pixels (%.1f%%) are not '
          'the background %s; %d (%.1f%%) changed in 0.5 s'
          % (interior[2], interior[3], interior[0], interior[1], not_background,
             area, 100.0 * not_background / area, BACKGROUND,
             changed, 100.0 * changed / area))
    if not_background * 2 <= area:
        raise h.Failure('the window content is mostly background: the app\'s '
                        'pixels did not arrive')
    if changed * 100 <= area:
        raise h.Failure('the window content did not change between two '
                        'screenshots 0.5 s apart: frames are not flowing')

    status, titles, err = s.toplevels()
    h.log('titles: %r' % titles)
    if status != 0:
        raise h.Failure('mullion-test-toplevels failed: %s' % err.strip())
    if TITLE not in titles:
        raise h.Failure('no toplevel titled exactly %r; titles are %r' % (TITLE, titles))
    s.check_alive()


if __name__ == '__main__':
    h.run('border-and-title', test)
