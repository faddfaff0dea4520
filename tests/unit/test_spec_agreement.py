#!/usr/bin/env python3
"""The wire protocol's spec and code name the same message types.

Usage: test_spec_agreement.py include/common/wire/protocol.h protocols/wire-protocol.md

Reads enum wire_msg_type in the header (a type's direction is the comment
heading its group: "Both directions", "VM to dom0", "dom0 to VM") and the
message table in section 5 of the spec (columns Type, Name, From), plus the
"### 5.N NAME (0xNN, from)" heading of each message's own section. Fails
listing every type that is in one and not the other, or whose value or
direction differ. Python standard library only, so it runs in any build.
"""
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


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    header_path, spec_path = argv[1], argv[2]
    try:
        with open(header_path, encoding='utf-8') as f:
            code = parse_header(f.read())
        with open(spec_path, encoding='utf-8') as f:
            table, headings = parse_spec(f.read(), spec_path)
    except (OSError, ParseError) as e:
        print('FAIL: %s' % e)
        return 1

    problems = compare(header_path, code, spec_path + ' table', table)
    problems += compare(spec_path + ' table', table,
                        spec_path + ' section headings', headings)
    if problems:
        for p in problems:
            print('FAIL: %s' % p)
        return 1
    print('ok: %d message types agree between %s and %s' %
          (len(code), header_path, spec_path))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
