#!/usr/bin/env python3
"""meson install puts every file where README.md's install table says.

Usage: check_install.py SOURCE_ROOT BUILD_ROOT MESON

Installs the build into a fresh DESTDIR (meson install --no-rebuild
--destdir) and compares the files there with the table in README.md's
"Install" section, in both directions: nothing missing, nothing extra.
The table is written for --prefix=/usr; a build with another prefix has
/usr replaced by that prefix and /etc by its sysconfdir, which is what
meson and the FHS do. Then it checks that the installed programs read the
installed configs by default, that the unit starts the installed agent
with the installed agent.conf and that environment.d names the socket
agent.conf sets; runs desktop-file-validate on the session file and
systemd-analyze verify (as the user manager would load it) on the unit,
each of which must say nothing and exit 0.

Exit status: 0 pass, 1 fail, 77 skip (a tool is missing, or the build has
a layout the table does not describe), with the reason on stdout.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

EXIT_SKIP = 77


class Failure(Exception):
    pass


class Skip(Exception):
    pass


def readme_table(root):
    """{path: package} from the rows of README.md's "## Install" section."""
    with open(os.path.join(root, 'README.md'), encoding='utf-8') as f:
        text = f.read()
    m = re.search(r'^## Install\n(.*?)(?=^## )', text, re.S | re.M)
    if m is None:
        raise Failure('README.md has no "## Install" section')
    rows = re.findall(r'^\| `(/[^`]+)` \| (\S+) \|', m.group(1), re.M)
    if not rows:
        raise Failure('README.md\'s Install section has no table rows "| `/path` | package |"')
    table = {}
    for path, package in rows:
        if path in table:
            raise Failure('README.md lists %s twice' % path)
        table[path] = package
    return table


def build_options(meson, build):
    out = subprocess.run([meson, 'introspect', '--buildoptions', build],
                         capture_output=True, check=True).stdout
    return {o['name']: o['value'] for o in json.loads(out)}


def map_path(path, prefix, sysconfdir):
    """A /usr-prefixed table path as this build installs it."""
    if path.startswith('/etc/'):
        etc = sysconfdir if os.path.isabs(sysconfdir) else os.path.join(prefix, sysconfdir)
        return os.path.join(etc, path[len('/etc/'):])
    if path.startswith('/usr/'):
        return os.path.join(prefix, path[len('/usr/'):])
    raise Failure('README.md lists %s, outside /usr and /etc' % path)


def installed_files(destdir):
    found = set()
    for folder, _, files in os.walk(destdir):
        for name in files:
            found.add('/' + os.path.relpath(os.path.join(folder, name), destdir))
    return found


def run(argv, **kwargs):
    return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                          universal_newlines=True, timeout=60, **kwargs)


def check(root, build, meson):
    options = build_options(meson, build)
    prefix, sysconfdir = options['prefix'], options['sysconfdir']
    layout = {'bindir': 'bin', 'datadir': 'share', 'mandir': 'share/man'}
    for name, value in layout.items():
        if options[name] != value:
            raise Skip('the build sets %s=%s; README.md\'s table describes %s=%s'
                       % (name, options[name], name, value))
    with open(os.path.join(build, 'meson-info', 'intro-install_plan.json')) as f:
        plan = json.dumps(json.load(f))
    table = readme_table(root)
    if 'man1' not in plan:
        # doc/meson.build builds the pages only with scdoc.
        table = {p: pkg for p, pkg in table.items() if '/man/' not in p}
        print('note: the man pages are not built (no scdoc): not expected')
    expected = {map_path(p, prefix, sysconfdir): p for p in table}

    destdir = tempfile.mkdtemp(prefix='mullion-install-')
    try:
        r = run([meson, 'install', '-C', build, '--no-rebuild', '--destdir', destdir,
                 '--quiet'])
        if r.returncode != 0:
            raise Failure('meson install failed (%d):\n%s%s' % (r.returncode, r.stdout,
                                                                r.stderr))
        return check_destdir(root, destdir, prefix, sysconfdir, expected)
    finally:
        shutil.rmtree(destdir, ignore_errors=True)


def check_destdir(root, destdir, prefix, sysconfdir, expected):
    found = installed_files(destdir)
    missing = sorted(set(expected) - found)
    extra = sorted(found - set(expected))
    problems = ['not installed: %s (README.md: %s)' % (p, expected[p]) for p in missing]
    problems += ['installed but not in README.md\'s table: %s' % p for p in extra]
    if problems:
        raise Failure('\n'.join(problems))
    print('ok: the %d files in README.md\'s table, and no others, under prefix %s'
          % (len(found), prefix))

    def at(table_path):
        return destdir + map_path(table_path, prefix, sysconfdir)

    # The programs read the installed configs unless told otherwise.
    mullion_conf = map_path('/etc/mullion/mullion.conf', prefix, sysconfdir)
    agent_conf = map_path('/etc/mullion/agent.conf', prefix, sysconfdir)
    bindir = map_path('/usr/bin', prefix, sysconfdir)
    for program, conf in (('mullion', mullion_conf), ('mullion-agent', agent_conf)):
        r = run([at('/usr/bin/' + program), '--help'])
        if r.returncode != 0 or conf not in r.stdout:
            raise Failure('%s --help does not name %s as its default config:\n%s'
                          % (program, conf, r.stdout))
    r = run([at('/usr/bin/mullion'), '--check-config', at('/etc/mullion/mullion.conf')])
    if r.returncode != 0:
        raise Failure('mullion --check-config on the installed example: %s' % r.stderr)
    print('ok: mullion and mullion-agent default to %s and %s; the installed '
          'mullion.conf checks ok' % (mullion_conf, agent_conf))

    # The unit runs the installed agent on the installed config; the
    # environment points applications at the socket that config names.
    unit_path = at('/usr/lib/systemd/user/mullion-agent.service')
    with open(unit_path) as f:
        unit = f.read()
    exec_start = re.search(r'^ExecStart=(.*)$', unit, re.M).group(1)
    want = '%s/mullion-agent --config %s' % (bindir, agent_conf)
    if exec_start != want:
        raise Failure('the unit\'s ExecStart is %r, expected %r' % (exec_start, want))
    with open(at('/etc/mullion/agent.conf')) as f:
        socket = re.search(r'^socket = (\S+)$', f.read(), re.M)
    with open(at('/usr/lib/environment.d/60-mullion-agent.conf')) as f:
        env_display = re.search(r'^WAYLAND_DISPLAY=(\S+)$', f.read(), re.M)
    if socket is None or env_display is None or socket.group(1) != env_display.group(1):
        raise Failure('agent.conf\'s socket (%s) and environment.d\'s WAYLAND_DISPLAY (%s) '
                      'differ' % (socket and socket.group(1),
                                  env_display and env_display.group(1)))
    print('ok: the unit runs %s; WAYLAND_DISPLAY=%s as agent.conf\'s socket'
          % (want, env_display.group(1)))

    missing_tools = []
    session = at('/usr/share/wayland-sessions/mullion.desktop')
    if shutil.which('desktop-file-validate'):
        r = run(['desktop-file-validate', session])
        if r.returncode != 0 or r.stdout or r.stderr:
            raise Failure('desktop-file-validate %s (%d):\n%s%s'
                          % (session, r.returncode, r.stdout, r.stderr))
        print('ok: desktop-file-validate says nothing about the session file')
    else:
        missing_tools.append('desktop-file-validate (Debian package desktop-file-utils)')
    with open(session) as f:
        exec_line = re.search(r'^Exec=(\S+)', f.read(), re.M).group(1)
    if not os.access(at('/usr/bin/' + exec_line), os.X_OK):
        raise Failure('the session file runs %s, which is not installed in %s'
                      % (exec_line, bindir))

    if shutil.which('systemd-analyze'):
        verify_unit(destdir, unit_path, unit, bindir, prefix, sysconfdir)
    else:
        missing_tools.append('systemd-analyze (Debian package systemd)')
    if missing_tools:
        raise Skip('every other check passed; not installed: %s (scripts/install-deps '
                   'installs them)' % ', '.join(missing_tools))


def verify_unit(destdir, unit_path, unit, bindir, prefix, sysconfdir):
    """systemd-analyze --user verify, with the unit's program and man pages
    found in DESTDIR: the unit is copied with ExecStart pointing there, the
    only change."""
    work = tempfile.mkdtemp(prefix='mullion-verify-')
    try:
        runtime = os.path.join(work, 'runtime')
        os.mkdir(runtime, 0o700)
        copy = os.path.join(work, os.path.basename(unit_path))
        with open(copy, 'w') as f:
            f.write(unit.replace('ExecStart=' + bindir, 'ExecStart=' + destdir + bindir))
        env = dict(os.environ, XDG_RUNTIME_DIR=runtime,
                   MANPATH=destdir + map_path('/usr/share/man', prefix, sysconfdir))
        r = run(['systemd-analyze', '--user', 'verify', copy], env=env)
        # It exits 0 on a key it ignores: any output is a finding.
        if r.returncode != 0 or r.stdout.strip() or r.stderr.strip():
            raise Failure('systemd-analyze --user verify %s (%d):\n%s%s'
                          % (os.path.basename(unit_path), r.returncode, r.stdout, r.stderr))
        print('ok: systemd-analyze --user verify says nothing about mullion-agent.service')
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    try:
        check(*sys.argv[1:])
    except Skip as e:
        print('SKIP: %s' % e)
        sys.exit(EXIT_SKIP)
    except Failure as e:
        print('FAIL: %s' % e)
        sys.exit(1)
    print('PASS')


if __name__ == '__main__':
    main()
