#!/usr/bin/env python3
"""A VM's bridge cannot see dom0's privileged globals; dom0's clients can.

A stand-in bridge (mullion-test-globals) is started by the compositor on
the socket it hands a VM, and lists what it is offered. The same tool run
as a dom0 client is the positive control: the globals exist, and only the
VM's client is refused them.
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

# What reads the screen, lists other windows, reaches the clipboard or
# injects input.
PRIVILEGED = [
    'zwlr_screencopy_manager_v1',
    'zwlr_export_dmabuf_manager_v1',
    'zwlr_foreign_toplevel_manager_v1',
    'wl_data_device_manager',
    'zwp_virtual_keyboard_manager_v1',
    'zwlr_virtual_pointer_manager_v1',
]
# What a bridge needs to show windows.
NEEDED = ['wl_compositor', 'wl_shm', 'xdg_wm_base', 'wl_seat', 'wl_output']


def read_list(path, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                return f.read().split()
        time.sleep(0.05)
    raise h.Failure('the stand-in bridge wrote no list to %s within %s s'
                    % (path, timeout))


def test(s):
    tool = h.program('MULLION_TEST_GLOBALS')
    vm_list = s.path('vm-globals.txt')
    s.start_compositor(s.vm_config('red'), bridge=tool,
                       extra_env={'MULLION_TEST_GLOBALS_OUT': vm_list})

    vm_globals = read_list(vm_list, timeout=10)
    h.log('globals offered to VM work: %s' % ' '.join(sorted(vm_globals)))

    env = s.dom0_env()
    env.pop('MULLION_TEST_GLOBALS_OUT', None)
    result = subprocess.run([tool], env=env, capture_output=True, timeout=10)
    if result.returncode != 0:
        raise h.Failure('mullion-test-globals as a dom0 client failed: %s'
                        % result.stderr.decode('utf-8', 'replace'))
    dom0_globals = result.stdout.decode().split()
    h.log('globals offered to a dom0 client: %s' % ' '.join(sorted(dom0_globals)))

    for name in PRIVILEGED:
        if name not in dom0_globals:
            raise h.Failure('%s is missing even for dom0: the check below '
                            'would prove nothing' % name)
        if name in vm_globals:
            raise h.Failure('VM work is offered %s' % name)
    for name in NEEDED:
        if name not in vm_globals:
            raise h.Failure('VM work is not offered %s, which a bridge needs'
                            % name)
    h.log('privileged globals hidden from the VM: %s' % ', '.join(PRIVILEGED))


if __name__ == '__main__':
    h.run('vm-globals', test)
