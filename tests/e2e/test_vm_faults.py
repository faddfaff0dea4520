#!/usr/bin/env python3
"""Faults in one VM's path leave dom0 and the other VMs alone, and the VM
attaches again.

VM 'work' runs weston-simple-shm in a real agent, redrawing all the time;
VM 'other' is a stand-in whose window redraws at every frame dom0 shows.
In turn: work's bridge is killed (SIGKILL) in the middle of its frames;
work's agent is killed and a new one started (the VM restarted); a
stand-in shows a window on work's channel and hangs up half-way through
a message. After each, the compositor is up, work's window leaves the
screen (or comes straight back with a new bridge), work's window is
shown again once its VM is there, and the other VM's window never stops
getting frames.
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

TITLE = '[work] simple-shm'
OTHER_TITLE = '[other] hostile-agent animate'
# The compositor restarts a bridge after 0.5 s, then 1 s, 2 s...
REATTACH_TIMEOUT_S = 15.0
FRAMES_TIMEOUT_S = 5.0


def config(s):
    return '\n'.join(['[vm work]', 'label = red', 'vchan = socket:%s' % s.vchan_dir('work'), '',
                      '[vm other]', 'label = green',
                      'vchan = socket:%s' % s.vchan_dir('other'), ''])


def other_keeps_drawing(s, other, what):
    since = h.stand_in_frames(other)
    deadline = time.monotonic() + FRAMES_TIMEOUT_S
    while h.stand_in_frames(other) <= since:
        s.check_alive()
        if time.monotonic() > deadline:
            raise h.Failure('the other VM\'s window got no new frame after %s' % what)
        time.sleep(0.02)


def titles(s):
    status, names, err = s.toplevels()
    if status != 0:
        s.check_alive()
        raise h.Failure('mullion-test-toplevels failed: %s' % err.strip())
    return names


def wait_gone(s, prefix, what):
    deadline = time.monotonic() + FRAMES_TIMEOUT_S
    while any(t.startswith(prefix) for t in titles(s)):
        if time.monotonic() > deadline:
            raise h.Failure('%s: a window titled %r... is still listed' % (what, prefix))
        time.sleep(0.05)


def start_work_agent(s):
    app = h.require_tool('weston-simple-shm', 'weston')
    agent = s.start_agent('work', [app])
    s.wait_for_title(TITLE, timeout=REATTACH_TIMEOUT_S)
    return agent


def sigkill(child):
    child.expected_signals.add(signal.SIGKILL)
    os.killpg(child.pid, signal.SIGKILL)
    child.proc.wait(timeout=5)


def test(s):
    s.start_compositor(config(s))
    other = s.start_stand_in('other', 'animate')
    s.wait_for_title(OTHER_TITLE, timeout=10)
    agent = start_work_agent(s)
    other_keeps_drawing(s, other, 'both VMs came')

    # 1. The bridge dies mid-frame: mullion starts another, the agent
    # (still running) is found again, and its window comes back.
    bridge = h.bridge_pid(s.compositor.pid, 'work')
    os.kill(bridge, signal.SIGKILL)
    deadline = time.monotonic() + REATTACH_TIMEOUT_S
    while h.bridge_pid(s.compositor.pid, 'work') in (None, bridge):
        s.check_alive()
        if time.monotonic() > deadline:
            raise h.Failure('%.0f s after its bridge (pid %d) was killed, VM work has no '
                            'new one' % (REATTACH_TIMEOUT_S, bridge))
        time.sleep(0.05)
    now = h.bridge_pid(s.compositor.pid, 'work')
    s.wait_for_title(TITLE, timeout=REATTACH_TIMEOUT_S)
    other_keeps_drawing(s, other, 'work\'s bridge was killed')
    h.log('bridge %d killed mid-frame: bridge %d took over, work\'s window is back'
          % (bridge, now))

    # 2. The VM dies and restarts: its window goes, and comes back with
    # the new agent.
    sigkill(agent)
    wait_gone(s, '[work]', 'after work\'s agent was killed')
    other_keeps_drawing(s, other, 'work\'s agent was killed')
    agent = start_work_agent(s)
    other_keeps_drawing(s, other, 'work\'s agent came back')
    h.log('agent killed: its window went; a new agent\'s window is shown')

    # 3. A VM hangs up half-way through a message.
    sigkill(agent)
    wait_gone(s, '[work]', 'after work\'s agent was killed again')
    hang_up = s.start_stand_in('work', 'hang-up', '--wait-signal')
    s.wait_for_title('[work] hostile-agent busy', timeout=REATTACH_TIMEOUT_S)
    os.kill(hang_up.pid, signal.SIGUSR1)
    hang_up.proc.wait(timeout=5)
    if 'hung up mid-message' not in (h.read_text(hang_up.stdout_path) or ''):
        raise h.Failure('the hang-up stand-in did not hang up: %s'
                        % (h.read_text(hang_up.stdout_path) or '').strip())
    wait_gone(s, '[work]', 'after work hung up mid-message')
    other_keeps_drawing(s, other, 'work hung up mid-message')
    start_work_agent(s)
    h.log('a VM that hung up mid-message: its window went; the VM attached again')
    other_keeps_drawing(s, other, 'all three faults')
    s.check_alive()


if __name__ == '__main__':
    h.run('vm-faults', test)
