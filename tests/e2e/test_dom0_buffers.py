#!/usr/bin/env python3
"""dom0 keeps a second buffer only for a window that needs one.

The bridge makes each window one dom0 buffer, and a second only when a
frame is due while the compositor still holds the first (the pixman
renderer holds a wl_shm buffer until the next one replaces it; GLES2
lets go once it has uploaded it). Two stand-in VMs: 'still' shows one
frame of one window and never draws again, 'moving' redraws its window
at every frame dom0 shows. While 'moving' keeps getting frames, still's
bridge holds one dom0 buffer and moving's two (each bridge's
`mullion-stats` counts them). Stopped (SIGSTOP) for longer than a second,
'moving' is idle and its bridge gives the second back; going on
(SIGCONT), it has two again and its frames flow.
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402


# vm-bridge/window.h's BRIDGE_WINDOW_IDLE_MS.
IDLE_S = 1.0


def config(s):
    return '\n'.join(['[vm still]', 'label = blue', 'vchan = socket:%s' % s.vchan_dir('still'),
                      '', '[vm moving]', 'label = green',
                      'vchan = socket:%s' % s.vchan_dir('moving'), ''])


def test(s):
    compositor = s.start_compositor(config(s))
    s.start_stand_in('still', 'window')
    moving = s.start_stand_in('moving', 'animate')
    s.wait_for_title('[still] hostile-agent window', timeout=10)
    s.wait_for_title('[moving] hostile-agent animate', timeout=10)
    before = h.stand_in_frames(moving)
    time.sleep(1.0)
    if h.stand_in_frames(moving) < before + 30:
        raise h.Failure('the moving window got %d frames in 1 s; frames are not flowing'
                        % (h.stand_in_frames(moving) - before))
    bridges = {vm: h.bridge_pid(compositor.pid, vm) for vm in ('still', 'moving')}
    if None in bridges.values():
        raise h.Failure('a VM has no bridge: %r' % bridges)

    def held(vm):
        return h.read_stats('bridge', bridges[vm], compositor.stderr_path)['dom0_buffers']

    now = {vm: held(vm) for vm in bridges}
    if now != {'still': 1, 'moving': 2}:
        raise h.Failure('dom0 buffers held: %r; a window that drew once needs one, a moving '
                        'one two' % now)
    h.log('dom0 buffers: 1 for a window that drew once, 2 for one redrawn at every frame')

    os.kill(moving.pid, signal.SIGSTOP)
    time.sleep(IDLE_S + 0.5)
    stopped = held('moving')
    os.kill(moving.pid, signal.SIGCONT)
    if stopped != 1:
        raise h.Failure('the moving window, idle for %.1f s, still has %d dom0 buffers'
                        % (IDLE_S + 0.5, stopped))
    before = h.stand_in_frames(moving)
    time.sleep(1.0)
    if h.stand_in_frames(moving) < before + 30:
        raise h.Failure('after its idle time the moving window got %d frames in 1 s'
                        % (h.stand_in_frames(moving) - before))
    if held('moving') != 2:
        raise h.Failure('moving again, the window has %d dom0 buffers, not 2'
                        % held('moving'))
    h.log('idle for %.1f s: 1 dom0 buffer; moving again: 2, and its frames flow'
          % (IDLE_S + 0.5))
    s.check_alive()


if __name__ == '__main__':
    h.run('dom0-buffers', test)
