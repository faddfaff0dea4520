#!/usr/bin/env python3
"""A small damage on a big window costs a small copy.

The benchmark client draws a moving 64x64 box on a 1920x1080 window in a
VM; the agent copies the damage into memory shared with dom0 and the
bridge copies it into dom0's own buffers. Both count what they copy and
print it on SIGUSR1 (`mullion-stats: frames=N bytes_copied=M`). Between
two readings taken while frames flow, each must have copied at least one
box per frame and at most three: the agent and the bridge double-buffer,
so a buffer misses the damage of the frames shown from the other one and
catches up with it (the union of the last two boxes, which overlap, is
under two boxes), and anything beyond three boxes is a bug. A full frame
is 8294400 bytes, 500 boxes.

Not a timing: it holds on a loaded machine too.
MULLION_TEST_DAMAGE=full makes the client damage whole frames, and the
test must then fail.
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

WIDTH, HEIGHT = 1920, 1080
BOX_BYTES = 64 * 64 * 4
FRAME_BYTES = WIDTH * HEIGHT * 4
MIN_FRAMES = 20


def test(s):
    if len(sys.argv) < 2:
        raise h.Failure('usage: test_damage_copy.py PATH-OF-mullion-frame-client')
    client = sys.argv[1]
    damage = os.environ.get('MULLION_TEST_DAMAGE', 'box')

    # Room for the window, its frame and its title bar: a larger window
    # would be asked to fit, and hidden until it did.
    compositor = s.start_compositor(s.vm_config('blue'), size=(WIDTH + 96, HEIGHT + 96))
    # Enough frames to read the counters twice while they flow; --hold
    # keeps the client (and so the agent) alive after its last frame.
    agent = s.start_agent('work', [client, '--size', '%dx%d' % (WIDTH, HEIGHT),
                                   '--damage', damage, '--warmup', '10',
                                   '--frames', '100000', '--seconds', '3',
                                   '--hold'])
    agent.wait_for_line('phase=measure', 15)
    bridge = h.bridge_pid(compositor.pid)
    if bridge is None:
        raise h.Failure('no mullion-bridge process under the compositor')
    # The warm-up frames copied whole buffers (new buffers are all
    # stale); from here on only damage is copied.
    first = {'agent': h.read_stats('agent', agent.pid, agent.stderr_path),
             'bridge': h.read_stats('bridge', bridge, compositor.stderr_path)}
    time.sleep(1.0)
    second = {'agent': h.read_stats('agent', agent.pid, agent.stderr_path),
              'bridge': h.read_stats('bridge', bridge, compositor.stderr_path)}

    problems = []
    for name in ('agent', 'bridge'):
        frames = second[name]['frames'] - first[name]['frames']
        copied = second[name]['bytes_copied'] - first[name]['bytes_copied']
        if frames < MIN_FRAMES:
            problems.append('%s: only %d frames in 1 s; frames are not flowing'
                            % (name, frames))
            continue
        per_frame = copied / frames
        h.log('%s: %d frames, %d bytes copied, %.0f bytes a frame '
              '(a 64x64 box is %d, the frame %d)'
              % (name, frames, copied, per_frame, BOX_BYTES, FRAME_BYTES))
        if per_frame < 0.9 * BOX_BYTES:
            problems.append('%s copied %.0f bytes a frame, less than the '
                            'damaged 64x64 box (%d): damage is lost'
                            % (name, per_frame, BOX_BYTES))
        if per_frame > 3 * BOX_BYTES:
            problems.append('%s copied %.0f bytes a frame, more than three '
                            '64x64 boxes (%d)%s'
                            % (name, per_frame, 3 * BOX_BYTES,
                               ': whole frames' if per_frame > FRAME_BYTES / 2
                               else ''))
    if problems:
        raise h.Failure('\n  '.join(['the copies do not follow the damage:']
                                    + problems))
    s.check_alive()


if __name__ == '__main__':
    h.run('damage-copy', test)
