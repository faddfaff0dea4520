#!/usr/bin/env python3
"""Keys typed in dom0 reach foot in a VM: a command typed with wtype (the
virtual-keyboard protocol, as a user's keyboard would) runs in the VM's
shell and writes a file with the typed text.

Set MULLION_TEST_TYPE=text to type something else than what is expected
and watch the test fail.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

LABEL = 'green'
LABEL_COLOUR = '#73d216'
BORDER = 4
WORD = 'typed-in-dom0'


def test(s):
    h.require_tool('grim', 'grim')
    wtype = h.require_tool('wtype', 'wtype')
    foot = h.require_tool('foot', 'foot')
    out = s.path('typed.txt')

    s.start_compositor(s.vm_config(LABEL, border=BORDER), size=(1280, 720))
    s.start_agent('work', [foot, '-o', 'shell=/bin/sh', '-W', '80x10'])
    s.wait_for_title('[work] ', timeout=20)
    window = s.wait_for_window(h.parse_colour(LABEL_COLOUR), BORDER, timeout=10)
    h.log('foot window content at %r' % (window,))

    # Give it the keyboard the way a user does: click on it.
    s.click(window[0] + window[2] // 2, window[1] + window[3] // 2)
    # foot's shell needs a moment to print its prompt and read.
    time.sleep(1.0)
    typed = os.environ.get('MULLION_TEST_TYPE', WORD)
    s.type_text('echo %s > %s' % (typed, out))
    s.type_keys('Return')

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not os.path.exists(out):
        time.sleep(0.1)
    if not os.path.exists(out):
        raise h.Failure('foot in the VM never wrote %s: the typed command did not run' % out)
    time.sleep(0.2)
    with open(out) as f:
        got = f.read().strip()
    h.log('the VM wrote %r' % got)
    if got != WORD:
        raise h.Failure('the VM wrote %r, dom0 typed %r' % (got, WORD))
    s.check_alive()


if __name__ == '__main__':
    h.run('vm-keyboard', test)
