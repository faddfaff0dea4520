#!/usr/bin/env python3
"""The wire protocol's spec and code agree: message types and limits.

Usage: test_spec_agreement.py SOURCE_ROOT

Message types: 
Reads enum wire_msg_type in the header (a type's direction is the comment
heading its group: "Both directions", "VM to dom0", "dom0 to VM") and the
message table in section 5 of the spec (columns Type, Name, From), plus the
"### 5.N NAME (0xNN, from)" heading of each message's own section. Fails
listing every type that is in one and not the other, or whose value or
direction differ.

Limits: every row of the spec's wire limits table (section 1) has the
value of its #define in protocol.h, and every WIRE_MAX_/WIRE_MIN_ define is
in the table; every row of the per-VM limits table has the _MIN, _MAX and
_DEFAULT of include/common/limits.h; compositor/config.c checks each config
key's range with those macro names; doc/mullion.conf.5.scd states the same
range and default. Python standard library only, so it runs in any build.
"""
import os
import re
import sys

DIRECTIONS = ('both', 'vm', 'dom0')


class ParseError(Exception):
    pass


def strip_line_comment(line):
    return line.split('//', 1)[0]


def parse_header(text):
    """Returns {name: (value, direction)} from enum wire_msg_type."""
    m = re.search(r'enum\s+wire_msg_type\s*\{(.*?)\}\s*;', text, re.S)
    if m is None:
        raise ParseError('no "enum wire_msg_type { ... };" in the header')
    body = m.group(1)
    types = {}
    direction = None
    # Comments and enumerators in source order: a comment sets the
    # direction of the enumerators after it.
    token = re.compile(r'/\*(.*?)\*/|([A-Za-z_]\w*)\s*(?:=\s*([^,]+?))?\s*(?:,|$)',
                       re.S)
    pos = 0
    next_value = 0
    while pos < len(body):
        if body[pos].isspace():
            pos += 1
            continue
        t = token.match(body, pos)
        if t is None:
            raise ParseError('cannot read the enum near %r' %
                             body[pos:pos + 40])
        pos = t.end()
        if t.group(1) is not None:
            comment = ' '.join(t.group(1).split()).lower()
            if re.search(r'\bboth directions\b', comment):
                direction = 'both'
            elif re.search(r'\bvm to dom0\b', comment):
                direction = 'vm'
            elif re.search(r'\bdom0 to vm\b', comment):
                direction = 'dom0'
            continue
        name = t.group(2)
        if not name.startswith('WIRE_'):
            raise ParseError('enumerator %s lacks the WIRE_ prefix' % name)
        if t.group(3) is not None:
            try:
                value = int(t.group(3).strip(), 0)
            except ValueError:
                raise ParseError('%s = %s is not a plain number' %
                                 (name, t.group(3).strip()))
        else:
            value = next_value
        next_value = value + 1
        if direction is None:
            raise ParseError('%s has no direction comment ("Both '
                             'directions", "VM to dom0", "dom0 to VM") '
                             'above it' % name)
        short = name[len('WIRE_'):]
        if short in types:
            raise ParseError('%s appears twice in the enum' % name)
        types[short] = (value, direction)
    if not types:
        raise ParseError('enum wire_msg_type is empty')
    return types


def norm_direction(cell, where):
    d = cell.strip().strip('`').strip().lower()
    if d not in DIRECTIONS:
        raise ParseError('%s: direction %r is not one of %s' %
                         (where, cell.strip(), ', '.join(DIRECTIONS)))
    return d


def norm_value(cell, where):
    v = cell.strip().strip('`').strip()
    try:
        return int(v, 0)
    except ValueError:
        raise ParseError('%s: type %r is not a number' % (where, v))


def table_rows(lines, start):
    """The first markdown table at or after lines[start]: (header, rows)."""
    i = start
    while i < len(lines) and not lines[i].lstrip().startswith('|'):
        if lines[i].startswith('#') and i > start:
            return None, []
        i += 1
    if i >= len(lines):
        return None, []

    def cells(line):
        return [c.strip() for c in line.strip().strip('|').split('|')]

    header = [c.lower() for c in cells(lines[i])]
    rows = []
    i += 1
    if i < len(lines) and re.fullmatch(r'\s*\|[\s|:-]*\|\s*', lines[i]):
        i += 1
    while i < len(lines) and lines[i].lstrip().startswith('|'):
        rows.append((i + 1, cells(lines[i])))
        i += 1
    return header, rows


def parse_spec(text, path):
    """Returns ({name: (value, direction)} of the section 5 table,
    {name: (value, direction)} of the per-message headings)."""
    lines = text.splitlines()
    section = None
    for i, line in enumerate(lines):
        if re.match(r'^##\s+(\d+\.\s*)?Messages\s*$', line):
            section = i
            break
    if section is None:
        raise ParseError('%s: no "## N. Messages" section' % path)
    header, rows = table_rows(lines, section + 1)
    if header is None:
        raise ParseError('%s:%d: no table under the Messages heading' %
                         (path, section + 1))
    try:
        col_type = header.index('type')
        col_name = header.index('name')
        col_from = header.index('from')
    except ValueError:
        raise ParseError('%s: the Messages table needs Type, Name and From '
                         'columns, has %s' % (path, header))
    table = {}
    for lineno, row in rows:
        where = '%s:%d' % (path, lineno)
        if len(row) != len(header):
            raise ParseError('%s: %d cells, the header has %d' %
                             (where, len(row), len(header)))
        name = row[col_name].strip('`').strip()
        if not re.fullmatch(r'[A-Z][A-Z0-9_]*', name):
            raise ParseError('%s: %r is not a message name' % (where, name))
        if name in table:
            raise ParseError('%s: %s listed twice' % (where, name))
        table[name] = (norm_value(row[col_type], where),
                       norm_direction(row[col_from], where))

    headings = {}
    heading = re.compile(r'^###\s+\d+\.\d+\s+([A-Z][A-Z0-9_]*)\s*'
                         r'\(\s*([^,()]+?)\s*,\s*([^()]+?)\s*\)\s*$')
    for i, line in enumerate(lines[section + 1:], section + 2):
        if re.match(r'^##\s', line):
            break
        m = heading.match(line)
        if m is None:
            continue
        where = '%s:%d' % (path, i)
        headings[m.group(1)] = (norm_value(m.group(2), where),
                                norm_direction(m.group(3), where))
    return table, headings


def compare(a_name, a, b_name, b):
    problems = []
    for name in sorted(set(a) | set(b), key=lambda n: (a.get(n) or b[n])[0]):
        if name not in b:
            problems.append('%s is in %s (0x%02x, %s) but not in %s' %
                            (name, a_name, a[name][0], a[name][1], b_name))
        elif name not in a:
            problems.append('%s is in %s (0x%02x, %s) but not in %s' %
                            (name, b_name, b[name][0], b[name][1], a_name))
        elif a[name] != b[name]:
            problems.append('%s is 0x%02x from %s in %s but 0x%02x from %s '
                            'in %s' % (name, a[name][0], a[name][1], a_name,
                                       b[name][0], b[name][1], b_name))
    values = {}
    for name, (value, _) in a.items():
        if value in values:
            problems.append('%s and %s share the value 0x%02x in %s' %
                            (values[value], name, value, a_name))
        values[value] = name
    return problems


def parse_defines(text, known=None):
    """{name: int} of the #defines in text whose value is an integer
    expression (of literals and earlier defines)."""
    values = dict(known or {})
    for m in re.finditer(r'^#define\s+([A-Z_][A-Z0-9_]*)\s+(.+)$', text, re.M):
        expr = re.sub(r'/\*.*?\*/|//.*', '', m.group(2)).strip()
        expr = re.sub(r'\b(0x[0-9a-fA-F]+|\d+)[uUlL]*\b', r'\1', expr)
        expr = re.sub(r'[A-Z_][A-Z0-9_]*',
                      lambda n: str(values[n.group(0)]) if n.group(0) in values else n.group(0),
                      expr)
        if re.fullmatch(r'[0-9a-fx()+*/<\s-]+', expr):
            try:
                values[m.group(1)] = int(eval(expr.replace('/', '//'), {'__builtins__': {}}))
            except (SyntaxError, ZeroDivisionError):
                pass
    return values


def first_number(cell):
    m = re.match(r'\s*(0x[0-9a-fA-F]+|\d+)', cell)
    return int(m.group(1), 0) if m else None


def table_after(lines, marker, path):
    for i, line in enumerate(lines):
        if marker in line:
            header, rows = table_rows(lines, i + 1)
            if header:
                return header, rows
    raise ParseError('%s: no table after %r' % (path, marker))


def check_limits(root, spec_text, spec_path):
    problems = []
    lines = spec_text.splitlines()
    with open(os.path.join(root, 'include/common/wire/protocol.h'), encoding='utf-8') as f:
        wire = parse_defines(f.read())
    with open(os.path.join(root, 'include/common/limits.h'), encoding='utf-8') as f:
        limits = parse_defines(f.read(), wire)
    with open(os.path.join(root, 'compositor/config.c'), encoding='utf-8') as f:
        config_c = f.read()
    with open(os.path.join(root, 'doc/mullion.conf.5.scd'), encoding='utf-8') as f:
        man = ' '.join(f.read().split())

    header, rows = table_after(lines, 'Limits are named as in', spec_path)
    named = set()
    for lineno, row in rows:
        name = row[0].strip('`')
        named.add(name)
        value = first_number(row[1])
        if name not in wire:
            problems.append('%s:%d: %s is not a #define of protocol.h' % (spec_path, lineno, name))
        elif value != wire[name]:
            problems.append('%s:%d: %s is %s in the spec, %d in protocol.h' %
                            (spec_path, lineno, name, row[1], wire[name]))
    for name in sorted(wire):
        if re.match(r'WIRE_(MAX|MIN)_', name) and name not in named and name != 'WIRE_MAX_MESSAGE_SIZE':
            problems.append('%s: %s (%d) is missing from the spec\'s limits table' %
                            (spec_path, name, wire[name]))

    header, rows = table_after(lines, 'Per-VM limits', spec_path)
    for lineno, row in rows:
        name = row[0].strip('`')
        where = '%s:%d' % (spec_path, lineno)
        spec = dict(zip(('MIN', 'MAX', 'DEFAULT'), (first_number(c) for c in row[1:4])))
        for part, value in spec.items():
            code = limits.get('%s_%s' % (name, part))
            if value != code:
                problems.append('%s: %s_%s is %s in the spec, %s in limits.h' %
                                (where, name, part, value, code))
        bound = row[5].strip('`')
        if bound in wire and spec['MAX'] is not None and spec['MAX'] > wire[bound]:
            problems.append('%s: %s_MAX %d exceeds %s %d' % (where, name, spec['MAX'], bound,
                                                            wire[bound]))
        key = re.fullmatch(r'`([a-z-]+)`', row[4])
        if key is None:
            continue
        key = key.group(1)
        for part in ('MIN', 'MAX', 'DEFAULT'):
            if '%s_%s' % (name, part) not in config_c:
                problems.append('compositor/config.c: %s has no range check with %s_%s' %
                                (key, name, part))
        said = re.search(r'\*%s\* = .*?(\d+) to (\d+)\. Default: \*(\d+)\*' % re.escape(key), man)
        if said is None:
            problems.append('doc/mullion.conf.5.scd: %s does not say "N to M. Default: *D*"' % key)
        elif tuple(int(x) for x in said.groups()) != (spec['MIN'], spec['MAX'], spec['DEFAULT']):
            problems.append('doc/mullion.conf.5.scd: %s says %s to %s, default %s; the spec %s' %
                            (key, *said.groups(), spec))
    return problems


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    root = argv[1]
    header_path = os.path.join(root, 'include/common/wire/protocol.h')
    spec_path = os.path.join(root, 'protocols/wire-protocol.md')
    try:
        with open(header_path, encoding='utf-8') as f:
            code = parse_header(f.read())
        with open(spec_path, encoding='utf-8') as f:
            spec_text = f.read()
        table, headings = parse_spec(spec_text, spec_path)
        problems = check_limits(root, spec_text, spec_path)
    except (OSError, ParseError) as e:
        print('FAIL: %s' % e)
        return 1

    problems += compare(header_path, code, spec_path + ' table', table)
    problems += compare(spec_path + ' table', table,
                        spec_path + ' section headings', headings)
    if problems:
        for p in problems:
            print('FAIL: %s' % p)
        return 1
    print('ok: %d message types and the limits agree between code, spec, config and man page' %
          len(code))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
