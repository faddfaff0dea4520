#!/usr/bin/env python3
"""dom0 keeps a second buffer only for a window that needs one.

The bridge makes each window one dom0 buffer, and a second only when a
frame is due while the compositor still holds the first (the pixman
renderer holds a wl_shm buffer until the next one replaces it; GLES2
lets go once it has uploaded it). Two stand-in VMs: 'still' shows one
frame of one window and never draws again, 'moving' redraws its window
at every frame dom0 shows. While 'moving' keeps getting frames, still's
bridge holds one dom0 buffer and moving's two (each bridge's
`mullion-stats` counts them).
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402


def config(s):
    return '\n'.join(['[vm still]', 'label = blue', 'vchan = socket:%s' % s.vchan_dir('still'),
                      '', '[vm moving]', 'label = green',
                      'vchan = socket:%s' % s.vchan_dir('moving'), ''])


def stand_in(s, vm, case):
    return s.start_vm_program(vm, [h.program('MULLION_TEST_HOSTILE_AGENT'), '--vchan',
                                   'socket:' + s.vchan_dir(vm), '--case', case],
                              ready_line='listening')


def frames(child):
    counts = re.findall(r'^frames (\d+)$', h.read_text(child.stdout_path) or '', re.M)
    return int(counts[-1]) if counts else 0


def test(s):
    compositor = s.start_compositor(config(s))
    stand_in(s, 'still', 'window')
    moving = stand_in(s, 'moving', 'animate')
    s.wait_for_title('[still] hostile-agent window', timeout=10)
    s.wait_for_title('[moving] hostile-agent animate', timeout=10)
    before = frames(moving)
    time.sleep(1.0)
    if frames(moving) < before + 30:
        raise h.Failure('the moving window got %d frames in 1 s; frames are not flowing'
                        % (frames(moving) - before))
    held = {}
    for vm in ('still', 'moving'):
        pid = h.bridge_pid(compositor.pid, vm)
        if pid is None:
            raise h.Failure('no bridge for VM %s' % vm)
        held[vm] = h.read_stats('bridge', pid, compositor.stderr_path)['dom0_buffers']
    if held != {'still': 1, 'moving': 2}:
        raise h.Failure('dom0 buffers held: %r; a window that drew once needs one, a moving '
                        'one two' % held)
    h.log('dom0 buffers: %d for a window that drew once, %d for one redrawn at every frame'
          % (held['still'], held['moving']))
    s.check_alive()


if __name__ == '__main__':
    h.run('dom0-buffers', test)
