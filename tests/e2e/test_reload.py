#!/usr/bin/env python3
"""SIGHUP reloads the config without losing windows: a VM's label changed
from purple to green redraws its frame and title bar in green at once,
with the same window still there (same agent, same app). A config that
does not parse is refused with one log line, and nothing changes.
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

BORDER = 4
PURPLE = '#75507b'
GREEN = '#73d216'


def reload(s, config_text):
    with open(s.path('mullion.conf'), 'w') as f:
        f.write(config_text)
    os.kill(s.compositor.pid, signal.SIGHUP)


def test(s):
    h.require_tool('grim', 'grim')
    s.start_compositor(s.vm_config('purple', border=BORDER))
    agent = s.start_agent('work', [h.program('MULLION_TEST_INPUT_CLIENT')])
    h.Events(agent).wait_for('ready', timeout=h.READY_TIMEOUT_S)
    before = s.wait_for_window(h.parse_colour(PURPLE), BORDER, timeout=10)

    reload(s, s.vm_config('green', border=BORDER))
    after = s.wait_for_window(h.parse_colour(GREEN), BORDER, timeout=5)
    if after != before:
        raise h.Failure('after the reload the window is at %r, before at %r' % (after, before))
    shot = s.screenshots[-1][1]
    if h.count_colour(shot, (0, 0, shot.width, shot.height), h.parse_colour(PURPLE)):
        raise h.Failure('purple pixels are left after the label became green')
    if not agent.running():
        raise h.Failure('the VM\'s agent went away with the reload')
    h.log('label purple -> green: redrawn at once, the same window at %r' % (after,))

    reload(s, '[vm work]\nlabel = green\n')  # no vchan: refused
    time.sleep(0.5)
    s.check_alive()
    still = s.wait_for_window(h.parse_colour(GREEN), BORDER, timeout=5)
    if still != after:
        raise h.Failure('a refused config changed the window: %r' % (still,))
    with open(s.compositor.stderr_path, errors='replace') as f:
        refused = [line for line in f if 'the config is not reloaded' in line]
    if len(refused) != 1:
        raise h.Failure('a broken config gave %d "not reloaded" lines' % len(refused))
    h.log('a broken config: refused in one line (%s), nothing changed' % refused[0].strip())


if __name__ == '__main__':
    h.run('reload', test)
