#!/usr/bin/env python3
"""dom0's keymap, from mullion.conf's [keyboard], is the keymap a client
inside a VM gets: mullion-test-input-client runs in the VM's agent and
writes the text of every keymap it receives (--keymap-file) to a file.

How a keymap is judged: by what one key types, not by its name. <AD06>,
the key right of T on the top letter row (evdev KEY_Y), gives z on a
German (de) layout and y on a US one. The test reads that key's first
keysym from the keymap text as xkbcommon writes it,
    key <AD06> { [ z, Z, leftarrow, yen ] };
which is what the VM's clients translate the key with. The xkb_symbols
section name cannot tell: a keymap compiled from rule names, as dom0's
is, calls every section "(unnamed)", and a name is only a label anyway.

The agent compiles a keymap of its own while it waits for dom0's; it runs
with XKB_DEFAULT_LAYOUT=ru, whose <AD06> is Cyrillic_en, so neither y nor
z can come from the VM's own default. Three compositors, one after the
other:
  - [keyboard] layout = de: the VM's client gets z.
  - [keyboard] layout = us: it gets y, never z.
  - no layout in [keyboard], XKB_DEFAULT_LAYOUT=de in dom0's environment:
    the fallback, z again.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

LABEL = 'purple'
XKB_ENV = ('XKB_DEFAULT_RULES', 'XKB_DEFAULT_MODEL', 'XKB_DEFAULT_LAYOUT',
           'XKB_DEFAULT_VARIANT', 'XKB_DEFAULT_OPTIONS')
VM_OWN_LAYOUT = 'ru'

# (name, [keyboard] section, dom0 environment, <AD06> wanted, <AD06> refused)
CASES = [
    ('de', '[keyboard]\nlayout = de\n', {}, 'z', None),
    ('us', '[keyboard]\nlayout = us\n', {}, 'y', 'z'),
    ('environment', '[keyboard]\noptions = caps:escape\n',
     {'XKB_DEFAULT_LAYOUT': 'de'}, 'z', None),
]


def ad06(text):
    """The first keysym of <AD06>'s first group, or None."""
    m = re.search(r'key\s+<AD06>\s*\{([^}]*)\}', text)
    if not m:
        return None
    # Drop "symbols[Group1]=" and the like: only the keysym list has a comma.
    body = re.sub(r'\w+\[\w+\]\s*=', '', m.group(1))
    m = re.search(r'\[\s*([A-Za-z0-9_]+)\s*[,\]]', body)
    return m.group(1) if m else None


def symbols_name(text):
    m = re.search(r'xkb_symbols\s+"([^"]*)"', text)
    return m.group(1) if m else None


def read(path):
    try:
        with open(path, errors='replace') as f:
            return f.read()
    except FileNotFoundError:
        return ''


def start_agent_with_layout(s, layout, command):
    """The agent and its client run with XKB_DEFAULT_LAYOUT=layout."""
    saved = {name: os.environ.get(name) for name in XKB_ENV}
    try:
        for name in XKB_ENV:
            os.environ.pop(name, None)
        os.environ['XKB_DEFAULT_LAYOUT'] = layout
        return s.start_agent('work', command)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def check_case(s, name, section, env, want, refuse):
    keymap_path = s.path('vm-keymap.txt')
    s.start_compositor(s.vm_config(LABEL) + section, extra_env=env)
    agent = start_agent_with_layout(s, VM_OWN_LAYOUT, [
        h.program('MULLION_TEST_INPUT_CLIENT'), '--keymap-file', keymap_path])
    h.Events(agent).wait_for('ready', timeout=h.READY_TIMEOUT_S)

    # The agent's own keymap may come first: wait for dom0's.
    deadline = time.monotonic() + h.EVENT_TIMEOUT_S
    got = None
    while time.monotonic() < deadline:
        text = read(keymap_path)
        got = ad06(text)
        if got == want or (refuse is not None and got == refuse):
            break
        time.sleep(0.05)
    h.log('%s: the VM client\'s keymap maps <AD06> to %s (xkb_symbols "%s")'
          % (name, got, symbols_name(text)))
    if got != want:
        raise h.Failure('%s: with %r in mullion.conf and %r in the environment, the '
                        'client in the VM maps <AD06> to %s, expected %s (%s)'
                        % (name, section, env, got, want,
                           'no keymap written' if not text else
                           'a keymap of %d bytes' % len(text)))
    s.check_alive()


def test(s):
    # What dom0 gets is decided here, not by whoever runs the test.
    for name in XKB_ENV:
        os.environ.pop(name, None)
    first, rest = CASES[0], CASES[1:]
    check_case(s, *first)
    for case in rest:
        sub = h.Session('vm-keymap-' + case[0])
        failed = True
        try:
            check_case(sub, *case)
            reports = sub.sanitizer_reports()
            if reports:
                raise h.Failure('sanitizer errors in the programs\' logs:\n  %s'
                                % '\n  '.join(reports))
            failed = False
        finally:
            sub.close(failed)


if __name__ == '__main__':
    h.run('vm-keymap', test)
