#!/usr/bin/env python3
"""mullion --check-config loads the configuration the way a start does and
says "PATH: ok" (exit 0) or the one error line (exit 1), with no display:
no Wayland or X session, no WLR_BACKENDS, nothing started."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, 'config', 'mullion.conf')


def check(s, argv, status, stdout, stderr):
    env = dict(os.environ)
    for name in ('WAYLAND_DISPLAY', 'WAYLAND_SOCKET', 'DISPLAY', 'WLR_BACKENDS',
                 'XDG_RUNTIME_DIR'):
        env.pop(name, None)
    proc = subprocess.run([h.program('MULLION')] + argv, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=20)
    got = (proc.returncode, proc.stdout.decode(), proc.stderr.decode())
    h.log('mullion %s: %r' % (' '.join(argv), got))
    if got != (status, stdout, stderr):
        raise h.Failure('mullion %s: got (status, stdout, stderr) %r, expected %r'
                        % (' '.join(argv), got, (status, stdout, stderr)))


def test(s):
    check(s, ['--check-config', EXAMPLE], 0, '%s: ok\n' % EXAMPLE, '')
    check(s, ['-c', EXAMPLE, '--check-config'], 0, '%s: ok\n' % EXAMPLE, '')

    bad = s.path('bad.conf')
    with open(bad, 'w') as f:
        f.write('[general]\nborder-width = 4\n\n[vm work]\nlabel = blue\n')
    check(s, ['--check-config', bad], 1, '',
          "mullion: %s:4: [vm work]: missing required key 'vchan'\n" % bad)

    missing = s.path('missing.conf')
    check(s, ['--check-config', missing], 1, '',
          'mullion: %s: No such file or directory\n' % missing)
    check(s, ['--check-config', EXAMPLE, 'extra'], 1, '',
          "mullion: unexpected argument 'extra'\n")


if __name__ == '__main__':
    h.run('check-config', test)
