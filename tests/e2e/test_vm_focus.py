#!/usr/bin/env python3
"""Keys go only to the VM whose window has the focus, and the focus moves
only when the user clicks: two VMs each run mullion-test-input-client;
what is typed while VM A's window is focused never reaches VM B, and a
click on B's window gives B the keyboard (and takes it from A).
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

BORDER = 4
VMS = {'alpha': ('blue', '#3465a4'), 'beta': ('red', '#cc0000')}


def test(s):
    h.require_tool('grim', 'grim')
    h.require_tool('wtype', 'wtype')
    config = ['[general]', 'border-width = %d' % BORDER, '']
    for vm, (label, _) in VMS.items():
        config += ['[vm %s]' % vm, 'label = %s' % label,
                   'vchan = socket:%s' % s.vchan_dir(vm), '']
    s.start_compositor('\n'.join(config))

    keys, events, windows = {}, {}, {}
    for vm, (_, colour) in VMS.items():
        keys[vm] = s.path('%s-keys.txt' % vm)
        agent = s.start_agent(vm, [h.program('MULLION_TEST_INPUT_CLIENT'),
                                   '--size', '200x150', '--write-keys', keys[vm]])
        events[vm] = h.Events(agent)
        events[vm].wait_for('ready', timeout=h.READY_TIMEOUT_S)
        windows[vm] = s.wait_for_window(h.parse_colour(colour), BORDER, timeout=10)
        h.log('VM %s: window at %r' % (vm, windows[vm]))

    def click(vm):
        # beta is placed below and right of alpha, and a click raises:
        # alpha's top-left and beta's bottom-right corners are never
        # covered by the other.
        x, y, w, hgt = windows[vm]
        if vm == 'alpha':
            s.click(x + 10, y + 10)
        else:
            s.click(x + w - 10, y + hgt - 10)

    click('alpha')
    s.type_text('for-alpha')
    h.wait_for_text(keys['alpha'], 'for-alpha')
    if h.read_text(keys['beta']):
        raise h.Failure('VM beta got keys typed into VM alpha: %r' % h.read_text(keys['beta']))
    beta_keys = [line for line in events['beta'].lines() if line.startswith('key ')]
    if beta_keys:
        raise h.Failure('VM beta saw key events while alpha had the focus: %r' % beta_keys)
    h.log('typed into alpha; beta saw no key')

    events['alpha'].mark()
    click('beta')
    events['alpha'].wait_for('keyboard-leave')
    s.type_text('for-beta')
    h.wait_for_text(keys['beta'], 'for-beta')
    if h.read_text(keys['alpha']) != 'for-alpha':
        raise h.Failure('VM alpha got keys typed into VM beta: %r' % h.read_text(keys['alpha']))
    h.log('a click moved the focus to beta; alpha saw nothing more')

    # The app ids the VMs' clients set reach dom0's clients, each with its
    # VM's name in front, so no VM can claim another's app.
    result = subprocess.run([h.program('MULLION_TOPLEVELS'), '--app-ids'], env=s.dom0_env(),
                            capture_output=True, text=True, timeout=10)
    app_ids = sorted(line.split('\t')[0] for line in result.stdout.splitlines())
    if app_ids != ['alpha:mullion-test-input-client', 'beta:mullion-test-input-client']:
        raise h.Failure('dom0 clients see the app ids %r' % app_ids)
    h.log('app ids as dom0 clients see them: %r' % app_ids)
    s.check_alive()


if __name__ == '__main__':
    h.run('vm-focus', test)
