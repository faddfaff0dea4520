#!/usr/bin/env python3
"""Starting a real session where there is none fails with one clear line.

This machine class (CI, containers) has no GPU and no input devices, so
the DRM/libinput path a login session takes cannot run here; what can be
checked is that it fails cleanly: exit status 1 and exactly one
"mullion: ..." line that says why, after wlroots' own log lines. The same
for nested mode without a session to nest in (wlroots 0.15 would abort on
an assert there). Skips on a machine that has a GPU or input devices,
where the default start could take the screen.
"""

import glob
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

# wlroots waits up to 10 s for a DRM card to appear before it gives up.
START_TIMEOUT_S = 30

NO_GPU = ('mullion: cannot start a session on this machine: no GPU (no /dev/dri/card*); '
          'run it inside another session (WLR_BACKENDS=wayland or x11) or headless '
          '(WLR_BACKENDS=headless)')
NO_INPUT = ('mullion: cannot start: no input devices (no /dev/input/event*; '
            'WLR_LIBINPUT_NO_DEVICES=1 starts without them)')


def cases(runtime_dir):
    no_parent = ('mullion: cannot run nested: no Wayland compositor listens at %s/wayland-0 '
                 '(WAYLAND_DISPLAY names the session to run in)' % runtime_dir)
    return [
        # name, environment changes (None: unset), the one line expected
        ('default (no WAYLAND_DISPLAY, no DISPLAY)', {'WLR_BACKENDS': None}, NO_GPU),
        ('WLR_BACKENDS=drm', {'WLR_BACKENDS': 'drm'}, NO_GPU),
        ('WLR_BACKENDS=drm,libinput', {'WLR_BACKENDS': 'drm,libinput'}, NO_GPU),
        ('WLR_BACKENDS=headless,libinput',
         {'WLR_BACKENDS': 'headless,libinput', 'WLR_LIBINPUT_NO_DEVICES': None}, NO_INPUT),
        ('WLR_BACKENDS=wayland, no parent', {'WLR_BACKENDS': 'wayland'}, no_parent),
        ('WLR_BACKENDS=x11, no DISPLAY', {'WLR_BACKENDS': 'x11'},
         'mullion: cannot run nested: WLR_BACKENDS has x11 but DISPLAY is not set'),
    ]


def run_case(mullion, config, runtime_dir, changes, result):
    env = dict(os.environ)
    for name in ('WAYLAND_DISPLAY', 'WAYLAND_SOCKET', 'DISPLAY', 'WLR_RENDERER'):
        env.pop(name, None)
    env['XDG_RUNTIME_DIR'] = runtime_dir
    env['WLR_LIBINPUT_NO_DEVICES'] = '1'
    # Under ASan: a start that fails after wlroots made its globals leaves
    # their deferred destruction (wlr_global_destroy_safe's timers, wlroots
    # 0.15) unrun, which LeakSanitizer reports at exit. This test is about
    # the message; memory errors still abort and fail it.
    env['ASAN_OPTIONS'] = ':'.join(filter(None, [env.get('ASAN_OPTIONS'), 'detect_leaks=0']))
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    try:
        proc = subprocess.run([mullion, '-c', config], env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=START_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        result['error'] = 'still running after %d s' % START_TIMEOUT_S
        return
    result['status'] = proc.returncode
    result['stdout'] = proc.stdout.decode('utf-8', 'replace')
    result['stderr'] = proc.stderr.decode('utf-8', 'replace')


def test(s):
    devices = glob.glob('/dev/dri/card*') + glob.glob('/dev/input/event*')
    if devices:
        raise h.Skip('this machine has %s: a default start could take its screen; the '
                     'clean failure is checked on machines without a GPU and input devices'
                     % devices[0])
    mullion = h.program('MULLION')
    config = s.path('mullion.conf')
    with open(config, 'w') as f:
        f.write('[general]\nborder-width = 4\n')
    # In parallel: the DRM cases each wait for wlroots' 10 s. Each start
    # has a runtime folder of its own, so no two share a seat socket.
    results = []
    threads = []
    for i in range(len(cases(''))):
        runtime_dir = s._private_dir('runtime-%d' % i)
        name, changes, expected = cases(runtime_dir)[i]
        result = {}
        results.append((name, expected, result))
        thread = threading.Thread(target=run_case,
                                  args=(mullion, config, runtime_dir, changes, result))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()

    problems = []
    for name, expected, result in results:
        if 'error' in result:
            problems.append('%s: %s' % (name, result['error']))
            continue
        # libseat's embedded seatd shares stderr and may leave a line
        # unfinished, so mullion's line can follow it on the same line.
        ours = [line[line.index('mullion: '):] for line in result['stderr'].splitlines()
                if 'mullion: ' in line]
        h.log('%s: exit status %d, %r' % (name, result['status'], ours))
        if result['status'] != 1:
            problems.append('%s: exit status %d, expected 1' % (name, result['status']))
        if ours != [expected]:
            problems.append('%s: its own lines are %r, expected exactly [%r]; stderr ends:\n%s'
                            % (name, ours, expected,
                               '\n'.join(result['stderr'].splitlines()[-8:])))
        if 'WAYLAND_DISPLAY=' in result['stdout']:
            problems.append('%s: printed WAYLAND_DISPLAY, as if it had started' % name)
    if problems:
        raise h.Failure('\n'.join(problems))


if __name__ == '__main__':
    h.run('session-start', test)
