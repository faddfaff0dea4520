#!/usr/bin/env python3
"""A window copies at most once per frame dom0 shows, however fast it commits.

The benchmark's frame client commits a 640x480 window with a moving 64x64
box 500 times a second without waiting for frame callbacks; dom0's output
shows 60 frames a second. The agent and the bridge count their copies and
the bridge the frames the compositor showed (its frame callbacks); they
print them on SIGUSR1 (`mullion-stats: frames=N bytes_copied=M shown=S`). Between two readings a second apart, neither may have copied
more frames than were shown (one more for a frame in flight at each
reading), while the client committed far more.

Not a timing: it holds on a loaded machine too.
"""

import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

WIDTH, HEIGHT = 640, 480
RATE_HZ = 500
MIN_SHOWN = 20


def test(s):
    if len(sys.argv) < 2:
        raise h.Failure('usage: test_copies_paced.py PATH-OF-mullion-frame-client')
    client = sys.argv[1]
    compositor = s.start_compositor(s.vm_config('blue'), size=(WIDTH + 160, HEIGHT + 160))
    agent = s.start_agent('work', [client, '--size', '%dx%d' % (WIDTH, HEIGHT), '--damage',
                                   'box', '--rate', str(RATE_HZ), '--unpaced', '--warmup',
                                   '10', '--frames', '100000', '--seconds', '30', '--hold'])
    agent.wait_for_line('phase=measure', 15)
    bridge = h.bridge_pid(compositor.pid)
    if bridge is None:
        raise h.Failure('no mullion-bridge process under the compositor')
    first = {'agent': h.read_stats('agent', agent.pid, agent.stderr_path),
             'bridge': h.read_stats('bridge', bridge, compositor.stderr_path)}
    time.sleep(1.0)
    second = {'agent': h.read_stats('agent', agent.pid, agent.stderr_path),
              'bridge': h.read_stats('bridge', bridge, compositor.stderr_path)}

    shown = second['bridge']['shown'] - first['bridge']['shown']
    if shown < MIN_SHOWN:
        raise h.Failure('only %d frames shown in 1 s; frames are not flowing' % shown)
    problems = []
    for name in ('agent', 'bridge'):
        copies = second[name]['frames'] - first[name]['frames']
        h.log('%s: %d frames copied while the compositor showed %d (the client '
              'commits %d a second)' % (name, copies, shown, RATE_HZ))
        if copies > shown + 1:
            problems.append('%s copied %d frames while %d were shown' % (name, copies, shown))
    if problems:
        raise h.Failure('\n  '.join(['copies do not follow the frames shown:'] + problems))
    s.check_alive()


if __name__ == '__main__':
    h.run('copies-paced', test)
