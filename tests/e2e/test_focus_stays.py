#!/usr/bin/env python3
"""Focus belongs to the user: a dom0 client has the keyboard and is being
typed into when a VM maps a window; the keys keep going to the dom0
client and the VM sees none. When the focused window goes away, the focus
goes to the next window in stacking order (here the VM's), not nowhere.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

BORDER = 4
LABEL_COLOUR = '#cc0000'


def test(s):
    h.require_tool('grim', 'grim')
    h.require_tool('wtype', 'wtype')
    s.start_compositor(s.vm_config('red', border=BORDER))
    dom0_keys = s.path('dom0-keys.txt')
    vm_keys = s.path('vm-keys.txt')

    dom0 = h.Child('dom0-client', [h.program('MULLION_TEST_INPUT_CLIENT'), '--colour', '20a020',
                                   '--write-keys', dom0_keys], s.dom0_env(), s.log_dir)
    s.children.append(dom0)
    dom0_events = h.Events(dom0)
    dom0_events.wait_for('keyboard-enter', timeout=h.READY_TIMEOUT_S)
    s.type_text('before')
    h.wait_for_text(dom0_keys, 'before')

    agent = s.start_agent('work', [h.program('MULLION_TEST_INPUT_CLIENT'),
                                   '--write-keys', vm_keys])
    vm_events = h.Events(agent)
    vm_events.wait_for('ready', timeout=h.READY_TIMEOUT_S)
    s.wait_for_window(h.parse_colour(LABEL_COLOUR), BORDER, timeout=10)
    s.type_text('after')
    h.wait_for_text(dom0_keys, 'beforeafter')
    vm_saw = [line for line in vm_events.lines()
              if line.startswith(('key ', 'keyboard-enter'))]
    if vm_saw or h.read_text(vm_keys):
        raise h.Failure('the VM window took the keyboard when it mapped: %r' % vm_saw)
    h.log('the dom0 client kept the keyboard while the VM window mapped')

    dom0.kill()
    vm_events.wait_for('keyboard-enter')
    s.type_text('next')
    h.wait_for_text(vm_keys, 'next')
    h.log('the focused window went; the focus went to the next window')
    s.check_alive()


if __name__ == '__main__':
    h.run('focus-stays', test)
