#!/usr/bin/env python3
"""The agent as the VM's service starts it: from a config file, on a fixed
socket, with applications finding it through the environment.d file.

Usage: test_agent_service.py UNIT ENVIRONMENT_D_FILE

No systemd user manager runs here, so the test does what the unit and
the user manager would: it takes ExecStart from the built
mullion-agent.service (with --config pointing at a test agent.conf that
sets a socket vchan and the socket name), and starts an application with
the variables of the environment.d file, as the manager gives its
services. dom0 must then show that application's window, framed in the
VM's colour. It also checks that environment.d names the socket the
shipped agent.conf sets.
"""

import os
import re
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LABEL_COLOUR = '#f57900'  # orange
BORDER = 4


def environment_d(path):
    """KEY=VALUE lines of an environment.d file (no expansions used)."""
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                key, _, value = line.partition('=')
                env[key] = value
    return env


def test(s, unit_path, env_path):
    app = h.require_tool('weston-simple-shm', 'weston')
    with open(unit_path) as f:
        exec_start = re.search(r'^ExecStart=(.*)$', f.read(), re.M).group(1)
    argv = shlex.split(exec_start)
    if argv[1:2] != ['--config'] or len(argv) != 3:
        raise h.Failure('ExecStart is %r; the test expects "AGENT --config FILE"' % exec_start)
    app_env = environment_d(env_path)
    socket = app_env.get('WAYLAND_DISPLAY')
    with open(os.path.join(ROOT, 'config', 'agent.conf')) as f:
        shipped = re.search(r'^socket = (\S+)$', f.read(), re.M)
    if not socket or not shipped or shipped.group(1) != socket:
        raise h.Failure('environment.d sets WAYLAND_DISPLAY=%s, the shipped agent.conf '
                        'socket = %s' % (socket, shipped and shipped.group(1)))

    s.start_compositor(s.vm_config('orange', vm='work', border=BORDER))

    # The service: the built agent in place of the installed one, the
    # test's agent.conf in place of /etc/mullion/agent.conf.
    config = s.path('agent.conf')
    with open(config, 'w') as f:
        f.write('[agent]\nvchan = socket:%s\nsocket = %s\npool-mib = 64\n'
                % (s.vchan_dir('work'), socket))
    runtime_dir = s._private_dir('vm-runtime')
    env = h._child_env(runtime_dir)
    agent = h.Child('agent-service', [h.program('MULLION_AGENT'), '--config', config],
                    env, s.log_dir)
    s.children.append(agent)
    display = agent.wait_for_line('WAYLAND_DISPLAY=', h.READY_TIMEOUT_S)
    h.log('agent started as the unit does (%s --config FILE): WAYLAND_DISPLAY=%s'
          % (os.path.basename(argv[0]), display))
    if display != socket:
        raise h.Failure('the agent listens on %s, not on the socket its config names (%s)'
                        % (display, socket))

    # An application of the VM user, with the user manager's environment.
    env = h._child_env(runtime_dir)
    env.update(app_env)
    client = h.Child('app', [app], env, s.log_dir)
    s.children.append(client)
    box = s.wait_for_window(h.parse_colour(LABEL_COLOUR), BORDER, timeout=15)
    h.log('the application\'s window is on dom0\'s screen at %r, framed in %s'
          % (box, LABEL_COLOUR))
    if not client.running():
        raise h.Failure('the application exited with status %s' % client.proc.returncode)
    s.check_alive()


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    h.run('agent-service', lambda s: test(s, sys.argv[1], sys.argv[2]))
