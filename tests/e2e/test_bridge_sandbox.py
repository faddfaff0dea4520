#!/usr/bin/env python3
"""Each VM's bridge is sandboxed before it reads the VM, and the sandbox holds.

Four VMs, one compositor. The bridges of VMs 'open', 'connect' and 'exec'
run with --test-sandbox-violation: once sandboxed they try that call, and
the sandbox must kill them with SIGSYS (the compositor logs the signal).
The bridge of VM 'work' runs as mullion starts it, and is judged from
/proc: seccomp filter mode (Seccomp 2), no_new_privs, its limits, an
environment without the compositor's socket, and no fds but sockets,
anonymous inodes and memfds. Its window must show and keep updating while
the other three bridges die: the sandbox leaves a bridge all it needs.
"""

import os
import re
import shlex
import signal
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

BORDER = 4
BACKGROUND = '#202020'
LABEL_COLOUR = '#75507b'  # purple, the 'work' VM's
TITLE = '[work] simple-shm'
VIOLATIONS = ('open', 'connect', 'exec')
# The compositor's headroom before it gives up on a dying bridge.
KILL_TIMEOUT_S = 10.0
# What the sandbox leaves the bridge (vm-bridge/sandbox.c): fds open at
# entry + 1 + 48, no processes, no core files.
MAX_FDS_LIMIT = 100


def config(s):
    lines = ['[general]', 'border-width = %d' % BORDER, 'background = %s' % BACKGROUND, '']
    for vm, label in (('work', 'purple'), ('open', 'red'), ('connect', 'orange'),
                      ('exec', 'yellow')):
        lines += ['[vm %s]' % vm, 'label = %s' % label,
                  'vchan = socket:%s' % s.vchan_dir(vm), '']
    return '\n'.join(lines)


def write_wrapper(s, bridge):
    """mullion runs this as its bridge: "--vm NAME" come first, and the VMs
    named after a violation get the test option. exec keeps the pid."""
    path = s.path('bridge-wrapper')
    quoted = shlex.quote(bridge)
    with open(path, 'w') as f:
        f.write('#!/bin/sh\n'
                'case "$2" in\n'
                '%s) exec %s "$@" --test-sandbox-violation="$2" ;;\n'
                'esac\n'
                'exec %s "$@"\n' % ('|'.join(VIOLATIONS), quoted, quoted))
    os.chmod(path, stat.S_IRWXU)
    return path


def read(path):
    with open(path, 'rb') as f:
        return f.read().decode('utf-8', 'replace')


def compositor_log(s):
    return read(s.compositor.stderr_path)


def wait_for_kill(s, vm):
    """Waits for the compositor's line saying the bridge of vm died of
    SIGSYS; fails at once on any other end."""
    killed = 'VM %s: bridge killed by signal %d' % (vm, signal.SIGSYS)
    other = re.compile(r'VM %s: bridge (exited.*|killed by signal \d+)' % re.escape(vm))
    deadline = time.monotonic() + KILL_TIMEOUT_S
    while True:
        text = compositor_log(s)
        if killed in text:
            break
        ended = other.search(text)
        if ended:
            raise h.Failure('the bridge of VM %s, which tried "%s" inside its '
                            'sandbox, ended otherwise: "%s" (expected SIGSYS, '
                            'signal %d)' % (vm, vm, ended.group(0), signal.SIGSYS))
        s.check_alive()
        if time.monotonic() > deadline:
            raise h.Failure('the bridge of VM %s was not killed by SIGSYS within '
                            '%.0f s' % (vm, KILL_TIMEOUT_S))
        time.sleep(0.05)
    # It died at the test call, after the sandbox was up, not before.
    bridge_lines = [line for line in text.splitlines()
                    if line.startswith('bridge[%s]:' % vm)]
    up = [i for i, line in enumerate(bridge_lines) if 'sandbox up' in line]
    tried = [i for i, line in enumerate(bridge_lines) if ': test: ' in line]
    if not up or not tried or tried[0] < up[0]:
        raise h.Failure('the bridge of VM %s did not log "sandbox up" and then its '
                        'test call; its lines:\n  %s' % (vm, '\n  '.join(bridge_lines)))
    h.log('%s; then killed by SIGSYS' % message(bridge_lines[tried[0]]))


def message(line):
    """A log line without its program, level and source location."""
    return re.sub(r'^.*?\] ', '', line)


def proc_fields(pid, name):
    text = read('/proc/%d/%s' % (pid, name))
    return dict(line.split(':', 1) for line in text.splitlines() if ':' in line)


def check_proc(pid):
    """The sandbox as /proc shows it."""
    status = proc_fields(pid, 'status')
    seccomp = status.get('Seccomp', '').strip()
    nnp = status.get('NoNewPrivs', '').strip()
    h.log('bridge of VM work (pid %d): Seccomp %s, NoNewPrivs %s' % (pid, seccomp, nnp))
    if seccomp != '2':
        raise h.Failure('the bridge of VM work has Seccomp: %s in /proc/%d/status, '
                        'expected 2 (a filter)' % (seccomp or '(none)', pid))
    if nnp != '1':
        raise h.Failure('the bridge of VM work has NoNewPrivs: %s, expected 1'
                        % (nnp or '(none)'))

    limits = {}
    for line in read('/proc/%d/limits' % pid).splitlines()[1:]:
        name = line[:26].strip()
        limits[name] = line[26:].split()[0]
    h.log('bridge limits: open files %s, processes %s, core %s, file size %s'
          % (limits.get('Max open files'), limits.get('Max processes'),
             limits.get('Max core file size'), limits.get('Max file size')))
    if limits.get('Max processes') != '0' or limits.get('Max core file size') != '0':
        raise h.Failure('the bridge may still have processes or core files: %r' % limits)
    if not limits.get('Max open files', 'x').isdigit() or \
            int(limits['Max open files']) > MAX_FDS_LIMIT:
        raise h.Failure('the bridge may open %s files, expected at most %d'
                        % (limits.get('Max open files'), MAX_FDS_LIMIT))

    env = read('/proc/%d/environ' % pid).split('\0')
    names = sorted(var.split('=', 1)[0] for var in env if var)
    h.log('bridge environment: %s' % ' '.join(names))
    for name in ('XDG_RUNTIME_DIR', 'WAYLAND_DISPLAY', 'HOME', 'PATH'):
        if name in names:
            raise h.Failure('the bridge inherited %s: it could find the compositor\'s '
                            'main socket or other files' % name)
    if 'WAYLAND_SOCKET=3' not in env:
        raise h.Failure('the bridge was not given WAYLAND_SOCKET=3: %r' % names)

    fds = {}
    for fd in os.listdir('/proc/%d/fd' % pid):
        try:
            fds[int(fd)] = os.readlink('/proc/%d/fd/%s' % (pid, fd))
        except OSError:
            continue
    h.log('bridge fds: %s' % ', '.join('%d %s' % (fd, fds[fd]) for fd in sorted(fds)))
    if fds.get(0) != '/dev/null' or fds.get(1) != fds.get(2):
        raise h.Failure('the bridge\'s stdin is not /dev/null, or its stdout is '
                        'not its stderr (the log): %r' % [fds.get(fd) for fd in (0, 1, 2)])
    for fd, target in fds.items():
        if fd > 2 and not target.startswith(('socket:', 'anon_inode:', '/memfd:', 'pipe:')):
            raise h.Failure('the bridge holds fd %d on %s: only sockets, anonymous '
                            'inodes and memfds belong there' % (fd, target))
    sockets = [fd for fd, target in fds.items() if fd > 2 and target.startswith('socket:')]
    if sorted(sockets)[:1] != [3] or len(sockets) != 2:
        raise h.Failure('the bridge holds sockets %r; expected fd 3 (the compositor) '
                        'and its vchan' % sorted(sockets))


def test(s):
    h.require_tool('grim', 'grim')
    app = h.require_tool('weston-simple-shm', 'weston')
    sleep = h.require_tool('sleep', 'coreutils')
    bridge = h.program('MULLION_BRIDGE')
    expect = h.parse_colour(LABEL_COLOUR)

    s.start_compositor(config(s), size=(1280, 720), bridge=write_wrapper(s, bridge))
    s.start_agent('work', [app])
    for vm in VIOLATIONS:
        s.start_agent(vm, [sleep, '60'])

    s.wait_for_title(TITLE, timeout=15)
    pid = h.bridge_pid(s.compositor.pid, 'work')
    if pid is None:
        raise h.Failure('no mullion-bridge --vm work under the compositor')
    check_proc(pid)
    lines = [line for line in compositor_log(s).splitlines()
             if line.startswith('bridge[work]:')]
    up = [i for i, line in enumerate(lines) if 'sandbox up' in line]
    hello = [i for i, line in enumerate(lines) if 'vchan connected, sent HELLO' in line]
    if not up or not hello or hello[0] < up[0]:
        raise h.Failure('the bridge of VM work did not log "sandbox up" before its '
                        'first exchange with the VM')
    h.log(message(lines[up[0]]))

    for vm in VIOLATIONS:
        wait_for_kill(s, vm)

    # The sandboxed bridge still maps the VM's pool and makes its own
    # buffers: the window is framed, and its pixels keep changing.
    box = s.wait_for_window(expect, BORDER, timeout=10)
    shot1 = s.screenshot('first')
    time.sleep(0.5)
    shot2 = s.screenshot('second')
    changed = h.count_different(shot1, shot2, box)
    h.log('VM work\'s window %dx%d at (%d,%d): %d pixels changed in 0.5 s'
          % (box[2], box[3], box[0], box[1], changed))
    if changed * 100 <= box[2] * box[3]:
        raise h.Failure('VM work\'s window did not change in 0.5 s: frames stopped')
    if h.bridge_pid(s.compositor.pid, 'work') != pid:
        raise h.Failure('the bridge of VM work was restarted while the others died')
    s.check_alive()


if __name__ == '__main__':
    h.run('bridge-sandbox', test)
