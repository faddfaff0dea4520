#!/usr/bin/env python3
"""A hostile VM cannot hurt dom0, and a busy one keeps its window.

mullion-test-hostile-agent plays each VM's agent, one attack per VM, next
to a VM 'other' whose window redraws at every frame dom0 shows.

Refused cases: each VM sends one message the bridge must refuse (or, for
many-windows, 100 000 windows of which the 257th is one): lengths and
counts at 0, 2^31 and 2^32-1, sizes that wrap, a message of dom0's, a
popup of a window gone, a cursor too big, and more (REFUSED). For each,
the stand-in sees dom0 close the connection, that VM's bridge logs the
rule it broke and exits as for a violation, the compositor stays up, and
the other VM's window keeps getting frames.

Busy cases: each VM shows a window, then sends a burst of valid messages
(20 000 titles and 100 000 hints; 20 000 app ids; 10 000 windows created
and destroyed) ending with the title "flood done". For each, dom0 shows
that title (the burst was read to its end), the same bridge process still
serves the VM (not disconnected, no violation), a dom0 client's round
trips stay under 100 ms while it reads every title the compositor
forwards, the bridge's memory stays small, and the other VM's window
keeps getting frames.

A stalled panel: VM names-flood shows 200 windows and renames every one of
them as fast as its channel takes it (map-flood closes and shows them
again instead), while a dom0 client of the foreign-toplevel list reads
nothing for STALL_S seconds. Then it reads what piled up: the compositor
must not have dropped it, and the other VM's window keeps getting
frames.
"""

import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

# Case name -> what the bridge's error line must say (after "vm CASE: ").
REFUSED = {
    'oversized-title': r'WINDOW_TITLE: too-large',
    'long-title': r'WINDOW_TITLE: count',
    'unknown-type': r'type 0x3f: unknown-type',
    'future-version': r'HELLO: protocol version 2, this bridge speaks 1',
    'size-overflow': r'BUFFER_CREATE: value',
    'small-stride': r'BUFFER_CREATE: value',
    'ref-out-of-range': r'BUFFER_CREATE: buffer 1: its 4 pages cannot be mapped',
    'damage-outside': r'DAMAGE: rect 0 \(32,0 64x64\) exceeds buffer 1 \(64x64\)',
    'orphan-popup': r'WINDOW_CREATE: parent 77 of window 2 does not exist',
    'length-zero': r'WINDOW_TITLE: length',
    'length-2g': r'DAMAGE: too-large',
    'length-4g': r'DAMAGE: too-large',
    'count-zero': r'DAMAGE: count',
    'count-2g': r'DAMAGE: count',
    'count-4g': r'DAMAGE: count',
    'wrong-direction': r'FRAME_DONE: direction',
    'many-windows': r'WINDOW_CREATE: window 257 would exceed the limit of 256 windows',
    'parent-gone': r'WINDOW_CREATE: parent 1 of window 2 does not exist',
    'oversized-cursor': r'CURSOR_IMAGE: count',
}
BUSY = ('busy', 'app-id-flood', 'create-destroy-flood')
FLOODS = ('names-flood', 'map-flood')
FLOOD_WINDOWS = 200  # hostile-agent.c's
# How long the stalled panel reads nothing.
STALL_S = 5.0
ROUNDTRIP_LIMIT_MS = 100.0
# A build with AddressSanitizer runs every program (compositor, bridges,
# stand-ins) several times slower on the same cores, and its quarantine
# keeps freed memory: there the limit is this many times larger and the
# bridge's memory is not judged.
SANITIZER_SLOWDOWN = 3
# Round trips are timed for this long around each burst.
ROUNDTRIP_S = 0.6
# A bridge is a few MiB; a burst must not make it grow by much.
BRIDGE_GROWTH_LIMIT_KIB = 8 * 1024
CASE_TIMEOUT_S = 5.0
# A burst takes 0.3 s here, 5 s with AddressSanitizer (create-destroy).
FLOOD_TIMEOUT_S = 30.0
# Of a burst's 20 000 titles or app ids, what may reach a dom0 client.
COALESCED_LIMIT = 5000


def config(s):
    lines = ['[vm other]', 'label = green', 'vchan = socket:%s' % s.vchan_dir('other'), '']
    for name in list(REFUSED) + list(BUSY) + list(FLOODS):
        lines += ['[vm %s]' % name, 'label = red', 'vchan = socket:%s' % s.vchan_dir(name),
                  '']
    return '\n'.join(lines)


def read(path):
    with open(path, 'rb') as f:
        return f.read().decode('utf-8', 'replace')


def wait_for_more_frames(s, child, since, what):
    deadline = time.monotonic() + CASE_TIMEOUT_S
    while h.stand_in_frames(child) <= since:
        s.check_alive()
        if time.monotonic() > deadline:
            raise h.Failure('the other VM\'s window got no new frame (still %d) after %s'
                            % (h.stand_in_frames(child), what))
        time.sleep(0.02)
    return h.stand_in_frames(child)


def memory_kib(pid, field):
    match = re.search(r'^%s:\s+(\d+) kB' % field, read('/proc/%d/status' % pid), re.M)
    return int(match.group(1)) if match else 0


def roundtrip_timer(s):
    return subprocess.Popen([h.program('MULLION_TOPLEVELS'), '--roundtrips', str(ROUNDTRIP_S)],
                            env=s.dom0_env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def sanitizer_build(s):
    """Whether the bridges say they were built with AddressSanitizer."""
    return 'sandbox: built with AddressSanitizer' in read(s.compositor.stderr_path)


def roundtrip_limit_ms(s):
    return ROUNDTRIP_LIMIT_MS * (SANITIZER_SLOWDOWN if sanitizer_build(s) else 1)


def roundtrip_result(s, timer, what):
    out, err = timer.communicate(timeout=ROUNDTRIP_S + 10)
    match = re.search(r'roundtrips (\d+) max_ms ([\d.]+) title_events (\d+) '
                      r'app_id_events (\d+)', out.decode())
    if timer.returncode != 0 or not match:
        raise h.Failure('the dom0 client timing round trips during %s failed (status %d): %s'
                        % (what, timer.returncode, err.decode().strip()))
    count, max_ms = int(match.group(1)), float(match.group(2))
    if max_ms >= roundtrip_limit_ms(s):
        raise h.Failure('during %s a dom0 client\'s round trip took %.1f ms (limit %.0f)'
                        % (what, max_ms, roundtrip_limit_ms(s)))
    return count, max_ms, int(match.group(3)), int(match.group(4))


def refused_cases(s, other):
    timer = roundtrip_timer(s)
    start = time.monotonic()
    children = {case: s.start_stand_in(case, case) for case in REFUSED}
    for case, child in children.items():
        try:
            child.proc.wait(timeout=max(0.1, start + CASE_TIMEOUT_S - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise h.Failure('case %s: the stand-in was still running %.0f s later'
                            % (case, CASE_TIMEOUT_S))
        if child.proc.returncode != 0 or 'closed by dom0' not in read(child.stdout_path):
            raise h.Failure('case %s: dom0 did not close the connection (stand-in status %d): '
                            '%s' % (case, child.proc.returncode,
                                    read(child.stdout_path).strip().replace('\n', '; ')))
    for case, rule in REFUSED.items():
        # The stand-in sees the connection close before the compositor
        # sees its bridge exit.
        exited = 'VM %s: bridge exited: its VM broke the protocol' % case
        while True:
            log = read(s.compositor.stderr_path)
            line = re.search(r'bridge\[%s\]: error: .*vm %s: (%s)$' % (case, case, rule), log,
                             re.M)
            if line and exited in log:
                break
            s.check_alive()
            if time.monotonic() > start + CASE_TIMEOUT_S:
                found = re.findall(r'bridge\[%s\]: error: .*$' % case, log, re.M)
                raise h.Failure('case %s: the bridge did not log the rule %r and exit for a '
                                'violation; its errors:\n  %s'
                                % (case, rule, '\n  '.join(found) or '(none)'))
            time.sleep(0.02)
        h.log('%-17s refused: %s' % (case, line.group(1)))
    elapsed = time.monotonic() - start
    s.check_alive()
    count, max_ms, _, _ = roundtrip_result(s, timer, 'the refused cases')
    h.log('%d refused cases in %.2f s; %d dom0 round trips meanwhile, the longest %.1f ms'
          % (len(REFUSED), elapsed, count, max_ms))
    seen = wait_for_more_frames(s, other, 0, 'the refused cases')
    h.log('the other VM\'s window: %d frames so far' % seen)


def check_same_bridge(s, case, pid, child):
    """Fails, with the bridge's last lines, if the VM lost its bridge."""
    if h.bridge_pid(s.compositor.pid, case) == pid and child.running():
        return
    lines = re.findall(r'bridge\[%s\]: (?:info|error): .*$' % case,
                       read(s.compositor.stderr_path), re.M)
    raise h.Failure('case %s: the VM lost its bridge during the burst; its last lines:\n  %s'
                    % (case, '\n  '.join(lines[-4:])))


def busy_cases(s, other):
    children = {case: s.start_stand_in(case, case, '--wait-signal') for case in BUSY}
    for case in BUSY:
        s.wait_for_title('[%s] hostile-agent busy' % case, timeout=10)
    for case in BUSY:
        child = children[case]
        pid = h.bridge_pid(s.compositor.pid, case)
        if pid is None:
            raise h.Failure('case %s: no bridge process found' % case)
        rss_before = memory_kib(pid, 'VmRSS')
        frames_before = h.stand_in_frames(other)
        timer = roundtrip_timer(s)
        time.sleep(0.05)  # connected and timing before the burst
        start = time.monotonic()
        os.kill(child.pid, signal.SIGUSR1)
        try:
            s.wait_for_title('[%s] flood done' % case, timeout=FLOOD_TIMEOUT_S)
        finally:
            check_same_bridge(s, case, pid, child)
        elapsed = time.monotonic() - start
        count, max_ms, titles, app_ids = roundtrip_result(s, timer, 'the %s burst' % case)
        # The bridge sends a window's latest title and app id once per
        # wakeup, not each one: far fewer than the burst's 20 000.
        if titles + app_ids > COALESCED_LIMIT:
            raise h.Failure('case %s: a dom0 client got %d titles and %d app ids: the '
                            'burst was not merged' % (case, titles, app_ids))
        errors = re.findall(r'bridge\[%s\]: error: .*$' % case, read(s.compositor.stderr_path),
                            re.M)
        if errors:
            raise h.Failure('case %s: the bridge logged errors:\n  %s'
                            % (case, '\n  '.join(errors)))
        rss_after, hwm = memory_kib(pid, 'VmRSS'), memory_kib(pid, 'VmHWM')
        if hwm - rss_before > BRIDGE_GROWTH_LIMIT_KIB and not sanitizer_build(s):
            raise h.Failure('case %s: the bridge grew from %d KiB to a peak of %d KiB'
                            % (case, rss_before, hwm))
        sent = re.findall(r'^sent (\d+) messages, (\d+) bytes$', read(child.stdout_path),
                          re.M)[-1]
        wait_for_more_frames(s, other, frames_before, 'the %s burst' % case)
        h.log('%-20s %s messages (%s bytes) shown to their end in %.2f s; the bridge '
              'kept its VM, %d KiB (peak %d KiB, %d KiB before); %d dom0 round trips, '
              'the longest %.1f ms; %d titles and %d app ids reached a dom0 client'
              % (case, sent[0], sent[1], elapsed, rss_after, hwm, rss_before, count, max_ms,
                 titles, app_ids))
    s.check_alive()


def stalled_panel(s, other, flood):
    child = s.start_stand_in(flood, flood, '--wait-signal')
    # Its windows join the list 20 a second; the flood need not wait.
    s.wait_for_title('[%s] flood ' % flood, timeout=10)
    panel = subprocess.Popen([h.program('MULLION_TOPLEVELS'), '--stall', str(STALL_S)],
                             env=s.dom0_env(), stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if panel.stdout.readline().decode().strip() != 'stalling':
        raise h.Failure('the stalled panel did not start')
    frames_before = h.stand_in_frames(other)
    os.kill(child.pid, signal.SIGUSR1)
    out, err = panel.communicate(timeout=STALL_S + 20)
    child.kill()
    s.check_alive()
    if panel.returncode != 0:
        raise h.Failure('a dom0 panel that read nothing for %.0f s during %s (%d windows) '
                        'was dropped: %s' % (STALL_S, flood, FLOOD_WINDOWS,
                                             err.decode().strip()))
    wait_for_more_frames(s, other, frames_before, 'the %s' % flood)
    h.log('a panel that read nothing for %.0f s during %s (%d windows): still connected, '
          'then read %s' % (STALL_S, flood, FLOOD_WINDOWS, out.decode().strip()))


def test(s):
    s.start_compositor(config(s))
    other = s.start_stand_in('other', 'animate')
    s.wait_for_title('[other] hostile-agent animate', timeout=10)
    if sanitizer_build(s):
        h.log('a sanitizer build: round trips may take up to %.0f ms, the bridge\'s memory '
              'is not judged' % roundtrip_limit_ms(s))
    wait_for_more_frames(s, other, 0, 'its first frames')
    refused_cases(s, other)
    busy_cases(s, other)
    for flood in FLOODS:
        stalled_panel(s, other, flood)


if __name__ == '__main__':
    h.run('hostile-agent', test)
