#!/usr/bin/env python3
"""Names that cannot lie, as a dom0 panel sees them.

Two VMs run the same client with the same title: 'work' with the default
ASCII titles, 'personal' with "titles = utf8". The title holds a letter
outside ASCII, a right-to-left override followed by another VM's prefix,
a line separator and a zero width space. A dom0 client
(wlr-foreign-toplevel) must see each VM's title with its name in front and
only what its allowlist keeps: '?' for each refused character in ASCII,
U+FFFD for the override, separator and zero-width space in UTF-8, where
the accented letter stays.

App ids arrive with the VM's name and a colon in front. mullion-agent
does not forward app ids yet, so a third VM, 'apps', is the test stand-in
mullion-test-hostile-agent showing one ordinary window with the app id
org.example.Hostile; every app id a dom0 client sees must start with its
window's VM.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

TITLE = 'caf\u00e9 \u202e[dom0] x\u2028y\u200bz'
EXPECTED_TITLES = {
    'work': '[work] caf? ?[dom0] x?y?z',
    'personal': '[personal] caf\u00e9 \ufffd[dom0] x\ufffdy\ufffdz',
}
APPS_TITLE = '[apps] hostile-agent window'
APPS_APP_ID = 'apps:org.example.Hostile'  # the stand-in's, with its VM in front


def config(s):
    return '\n'.join([
        '[vm work]', 'label = purple', 'vchan = socket:%s' % s.vchan_dir('work'), '',
        '[vm personal]', 'label = green', 'vchan = socket:%s' % s.vchan_dir('personal'),
        'titles = utf8', '',
        '[vm apps]', 'label = blue', 'vchan = socket:%s' % s.vchan_dir('apps'), ''])


def test(s):
    client = h.program('MULLION_TEST_INPUT_CLIENT')
    s.start_compositor(config(s))
    for vm in EXPECTED_TITLES:
        s.start_agent(vm, [client, '--title', TITLE])
    s.start_stand_in('apps', 'window')

    status, titles, err = s.toplevels(count=3, timeout=15)
    h.log('titles: %r' % titles)
    if status != 0:
        s.check_alive()
        raise h.Failure('three toplevels did not appear: %s' % err.strip())
    for vm, expected in EXPECTED_TITLES.items():
        if expected not in titles:
            raise h.Failure('VM %s: no toplevel titled %r; titles are %r'
                            % (vm, expected, titles))
    h.log('each VM\'s title kept only its allowlist, its name in front')

    status, lines, err = s.toplevels(app_ids=True)
    h.log('app ids and titles: %r' % lines)
    if status != 0:
        raise h.Failure('mullion-test-toplevels --app-ids failed: %s' % err.strip())
    app_ids = dict(line.split('\t', 1)[::-1] for line in lines)
    if app_ids.get(APPS_TITLE) != APPS_APP_ID:
        raise h.Failure('the window %r has the app id %r, expected %r'
                        % (APPS_TITLE, app_ids.get(APPS_TITLE), APPS_APP_ID))
    for title, app_id in app_ids.items():
        vm = title[1:title.index(']')]
        if app_id and not app_id.startswith(vm + ':'):
            raise h.Failure('the window %r has the app id %r, without "%s:" in front'
                            % (title, app_id, vm))
    h.log('app ids carry their VM\'s name in front')
    s.check_alive()


if __name__ == '__main__':
    h.run('window-names', test)
