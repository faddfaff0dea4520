#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets: tests/fuzz/corpus/<target>/.

Usage: tests/fuzz/make_corpus.py            rewrites the seeds in place
       tests/fuzz/make_corpus.py --check BUILDDIR
                                            writes nothing: checks that the
                                            seeds on disk are the ones this
                                            file makes, and replays every
                                            wire seed through BUILDDIR's
                                            fuzz targets (scripts/fuzz
                                            builds them; meson test --suite
                                            fuzz runs this in a fuzz build)

The wire seeds are encoded here from protocols/wire-protocol.md, not with
the C encoder, so they are a second reading of the spec: MESSAGES below is
section 6 transcribed, and a small decoder written from it (rules of
section 3, bounds and relations of section 6) checks every message before
it is written. Before anything is written, MESSAGES is also compared with
the section 6 summary table of the spec and with the types and limits of
include/common/wire/protocol.h, so a protocol change that this file has not
followed stops it instead of producing stale seeds; wire.dict must name
every type too.

--check runs each wire_decode seed through fuzz_wire_decode with
MULLION_FUZZ_TRACE=1 and requires the C decoder to say, message by message
and for both senders, what the decoder here says (including where and why
each stream stops); it runs each handshake seed through fuzz_handshake and
requires the bridge's validator to accept every message, or to refuse only
the last one and for the rule the seed names. Then it loads each corpus
with -runs=0, which must end without a finding.

wire_decode seeds are valid streams from the VM or from dom0 (each type
from each sender it may come from), but for "incomplete*", which stop
short on purpose. Handshake seeds are a VM's stream as the bridge reads
it; a dom0-only type in it stands for dom0 sending that message at that
point (fuzz_handshake.c), so answers (CONFIGURE_ACK, PONG, CLIPBOARD_DATA)
have something to answer. Some break one stateful rule (section 8) with
their last message. The config seeds (dom0's mullion.conf and the VM's
agent.conf) are the documented examples and variants around them, a few
of them wrong on purpose.
"""
import os
import re
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, 'corpus')
SPEC = os.path.join(ROOT, 'protocols', 'wire-protocol.md')
HEADER = os.path.join(ROOT, 'include', 'common', 'wire', 'protocol.h')

# Section 1.
VERSION = 1
HEADER_SIZE = 8
MAX_W = MAX_H = 8192
MAX_TITLE, MAX_APP_ID, MAX_RECTS = 256, 128, 64
PAGE = 4096
MAX_BUFFER_BYTES = 64 * 1024 * 1024
MAX_REFS = MAX_BUFFER_BYTES // PAGE
MAX_CURSOR = 64
MAX_CURSOR_BYTES = MAX_CURSOR * MAX_CURSOR * 4
MAX_CLIPBOARD = 64 * 1024
MAX_KEYMAP, MAX_KEYMAP_CHUNK = 1024 * 1024, 32 * 1024
MAX_KEYCODE, MIN_BUTTON, MAX_BUTTON = 0x2ff, 0x110, 0x11f
MAX_GROUP = 3
MAX_PX = MAX_PY = 8192 * 256
MAX_AXIS, MAX_DISCRETE = 65536 * 256, 1000
MAX_SCALE, MAX_WINDOWS_LIMIT, MAX_MIB_LIMIT = 4, 65536, 65536
MAX_BODY = 28 + 4 * MAX_REFS
U32 = 0xffffffff

ARGB8888, XRGB8888 = 0x34325241, 0x34325258
CAP_POPUPS, CAP_INPUT, CAP_CURSOR, CAP_CLIPBOARD = 1, 2, 4, 8
CAP_DAMAGE_PARTS = 16
CAP_ALL = (CAP_POPUPS | CAP_INPUT | CAP_CURSOR | CAP_CLIPBOARD |
           CAP_DAMAGE_PARTS)
TOPLEVEL, POPUP = 0, 1
MODAL, GRAB = 1, 2
MAXIMIZE, UNMAXIMIZE, FULLSCREEN, UNFULLSCREEN, MINIMIZE = 1, 2, 3, 4, 5
ACTIVATED, MAXIMIZED, FULLSCREENED = 1, 2, 4
BTN_LEFT, BTN_RIGHT = 0x110, 0x111
KEY_A, KEY_ENTER = 30, 28

VM, DOM0 = 'vm', 'dom0'
BOTH = (VM, DOM0)


def u(name, lo=0, hi=U32):
    return (name, False, lo, hi)


def i(name, lo, hi):
    return (name, True, lo, hi)


def id_(name):
    return u(name, 1)


class Type:
    """One row of section 6: fixed words in wire order, each with its
    bounds, and the tail (element size, count bounds), whose count is the
    last fixed word."""

    def __init__(self, code, name, senders, fields, tail=None):
        self.code, self.name, self.senders = code, name, senders
        self.fields, self.tail = fields, tail

    @property
    def fixed(self):
        return 4 * len(self.fields)


MESSAGES = [
    Type(0x01, 'HELLO', BOTH, [
        u('version'), u('output_width', 0, MAX_W),
        u('output_height', 0, MAX_H), u('capabilities'),
        u('output_scale', 0, MAX_SCALE),
        u('max_windows', 0, MAX_WINDOWS_LIMIT),
        u('max_buffer_mib', 0, MAX_MIB_LIMIT)]),
    Type(0x10, 'WINDOW_CREATE', (VM,), [
        id_('window_id'), u('width', 0, MAX_W), u('height', 0, MAX_H),
        u('kind', 0, POPUP), u('parent_id'), i('x', -MAX_W, MAX_W),
        i('y', -MAX_H, MAX_H), u('flags', 0, MODAL | GRAB)]),
    Type(0x11, 'WINDOW_DESTROY', (VM,), [id_('window_id')]),
    Type(0x12, 'WINDOW_TITLE', (VM,), [id_('window_id'), u('length')],
         (1, 0, MAX_TITLE)),
    Type(0x13, 'BUFFER_CREATE', (VM,), [
        id_('window_id'), id_('buffer_id'), u('width', 1, MAX_W),
        u('height', 1, MAX_H), u('stride'), u('format'), u('ref_count')],
        (4, 0, MAX_REFS)),
    Type(0x14, 'BUFFER_DESTROY', (VM,), [id_('window_id'), id_('buffer_id')]),
    Type(0x15, 'DAMAGE', (VM,), [
        id_('window_id'), id_('buffer_id'), u('rect_count')],
        (16, 1, MAX_RECTS)),
    Type(0x1b, 'DAMAGE_PART', (VM,), [
        id_('window_id'), id_('buffer_id'), u('rect_count')],
        (16, 1, MAX_RECTS)),
    Type(0x16, 'WINDOW_APP_ID', (VM,), [id_('window_id'), u('length')],
         (1, 0, MAX_APP_ID)),
    Type(0x17, 'WINDOW_HINTS', (VM,), [
        id_('window_id'), u('min_width', 0, MAX_W), u('min_height', 0, MAX_H),
        u('max_width', 0, MAX_W), u('max_height', 0, MAX_H)]),
    Type(0x18, 'WINDOW_REQUEST', (VM,), [
        id_('window_id'), u('request', MAXIMIZE, MINIMIZE)]),
    Type(0x19, 'WINDOW_MOVE', (VM,), [
        id_('window_id'), i('x', -MAX_W, MAX_W), i('y', -MAX_H, MAX_H)]),
    Type(0x1a, 'CONFIGURE_ACK', (VM,), [id_('window_id'), u('serial')]),
    Type(0x20, 'CURSOR_IMAGE', (VM,), [
        u('width', 0, MAX_CURSOR), u('height', 0, MAX_CURSOR),
        u('hotspot_x'), u('hotspot_y'), u('length')],
        (1, 0, MAX_CURSOR_BYTES)),
    Type(0x21, 'CLIPBOARD_DATA', (VM,), [u('serial'), u('length')],
         (1, 0, MAX_CLIPBOARD)),
    Type(0x22, 'PONG', (VM,), [u('serial')]),
    Type(0x40, 'FRAME_DONE', (DOM0,), [
        id_('window_id'), u('time_msec'), u('tv_sec_hi'), u('tv_sec_lo'),
        u('tv_nsec', 0, 999999999), u('refresh_nsec')]),
    Type(0x41, 'BUFFER_RELEASE', (DOM0,), [
        id_('window_id'), id_('buffer_id')]),
    Type(0x42, 'CONFIGURE', (DOM0,), [
        id_('window_id'), u('width', 0, MAX_W), u('height', 0, MAX_H),
        u('serial'), u('states', 0, ACTIVATED | MAXIMIZED | FULLSCREENED)]),
    Type(0x43, 'CLOSE', (DOM0,), [id_('window_id')]),
    Type(0x50, 'KEYMAP', (DOM0,), [
        u('total_size', 1, MAX_KEYMAP), u('offset'), u('length')],
        (1, 1, MAX_KEYMAP_CHUNK)),
    Type(0x51, 'KEY', (DOM0,), [
        u('time_msec'), u('keycode', 0, MAX_KEYCODE), u('state', 0, 1)]),
    Type(0x52, 'MODIFIERS', (DOM0,), [
        u('depressed'), u('latched'), u('locked'),
        u('group', 0, MAX_GROUP)]),
    Type(0x53, 'KEYBOARD_ENTER', (DOM0,), [id_('window_id')]),
    Type(0x54, 'KEYBOARD_LEAVE', (DOM0,), [id_('window_id')]),
    Type(0x58, 'POINTER_ENTER', (DOM0,), [
        id_('window_id'), i('x', -MAX_PX, MAX_PX), i('y', -MAX_PY, MAX_PY)]),
    Type(0x59, 'POINTER_LEAVE', (DOM0,), [id_('window_id')]),
    Type(0x5a, 'POINTER_MOTION', (DOM0,), [
        u('time_msec'), i('x', -MAX_PX, MAX_PX), i('y', -MAX_PY, MAX_PY)]),
    Type(0x5b, 'POINTER_BUTTON', (DOM0,), [
        u('time_msec'), u('button', MIN_BUTTON, MAX_BUTTON),
        u('state', 0, 1)]),
    Type(0x5c, 'POINTER_AXIS', (DOM0,), [
        u('time_msec'), u('axis', 0, 1), i('value', -MAX_AXIS, MAX_AXIS),
        i('discrete', -MAX_DISCRETE, MAX_DISCRETE), u('source', 0, 3)]),
    Type(0x5d, 'POINTER_FRAME', (DOM0,), []),
    Type(0x60, 'CLIPBOARD_REQUEST', (DOM0,), [u('serial')]),
    Type(0x61, 'CLIPBOARD_SET', (DOM0,), [u('length')],
         (1, 0, MAX_CLIPBOARD)),
    Type(0x62, 'PING', (DOM0,), [u('serial')]),
]
BY_NAME = {t.name: t for t in MESSAGES}
BY_CODE = {t.code: t for t in MESSAGES}


class Invalid(Exception):
    pass


# --- the spec and the header agree with MESSAGES ---------------------------

def check_spec_table():
    """Section 6's summary table: every type, its sender, its body size."""
    row = re.compile(r'^\|\s*`0x([0-9a-fA-F]+)`\s*\|\s*`(\w+)`\s*\|'
                     r'\s*(VM|dom0|both)\s*\|\s*([^|]*?)\s*\|\s*$')
    seen = {}
    with open(SPEC, encoding='utf-8') as f:
        for line in f:
            m = row.match(line)
            if m:
                seen[m.group(2)] = (int(m.group(1), 16), m.group(3),
                                    m.group(4))
    assert set(seen) == set(BY_NAME), (
        'spec section 6 and make_corpus.py differ in types: %s' %
        sorted(set(seen) ^ set(BY_NAME)))
    for name, (code, sender, size) in seen.items():
        t = BY_NAME[name]
        senders = {'VM': (VM,), 'dom0': (DOM0,), 'both': BOTH}[sender]
        assert (code, senders) == (t.code, t.senders), name
        m = re.match(r'^(\d+)(?:\s*\+\s*(?:(\d+)\s*×\s*)?`(\w+)`)?$', size)
        assert m, 'cannot read the body size of %s: %r' % (name, size)
        assert int(m.group(1)) == t.fixed, (
            '%s: spec says a %s-byte fixed part, here %d' %
            (name, m.group(1), t.fixed))
        if t.tail is None:
            assert m.group(3) is None, '%s has a tail in the spec' % name
        else:
            elem = int(m.group(2) or 1)
            assert (elem, m.group(3)) == (t.tail[0], t.fields[-1][0]), (
                '%s: spec tail %s x %s' % (name, elem, m.group(3)))


def header_defines():
    values = {}
    with open(HEADER, encoding='utf-8') as f:
        text = f.read()
    for name, expr in re.findall(r'^#define (WIRE_\w+) (.*?)\s*(?:/\*.*)?$',
                                 text, re.M):
        expr = re.sub(r'(0x[0-9a-fA-F]+|\d+)u\b', r'\1', expr.strip())
        expr = re.sub(r'\bWIRE_\w+\b',
                      lambda m: str(values.get(m.group(0), 'None')), expr)
        if re.fullmatch(r'[0-9a-fx()*/+\-< ]+', expr):
            # C's integer division; the text is digits and operators.
            values[name] = eval(expr.replace('/', '//'),
                                {'__builtins__': {}})
    enum = re.search(r'enum wire_msg_type \{(.*?)\};', text, re.S).group(1)
    types = {n: int(v, 0) for n, v in
             re.findall(r'WIRE_(\w+) = (0x[0-9a-fA-F]+|\d+)', enum)}
    return values, types


def check_header():
    values, types = header_defines()
    assert types == {t.name: t.code for t in MESSAGES}, (
        'protocol.h and make_corpus.py differ in types: %s' %
        sorted(set(types.items()) ^ {(t.name, t.code) for t in MESSAGES}))
    expect = {
        'WIRE_VERSION': VERSION, 'WIRE_HEADER_SIZE': HEADER_SIZE,
        'WIRE_MAX_TITLE_BYTES': MAX_TITLE, 'WIRE_MAX_APP_ID_BYTES': MAX_APP_ID,
        'WIRE_MAX_DAMAGE_RECTS': MAX_RECTS, 'WIRE_MAX_WIDTH': MAX_W,
        'WIRE_MAX_HEIGHT': MAX_H, 'WIRE_PAGE_SIZE': PAGE,
        'WIRE_MAX_BUFFER_BYTES': MAX_BUFFER_BYTES,
        'WIRE_MAX_BUFFER_REFS': MAX_REFS,
        'WIRE_MAX_WINDOWS_LIMIT': MAX_WINDOWS_LIMIT,
        'WIRE_MAX_BUFFER_MIB_LIMIT': MAX_MIB_LIMIT,
        'WIRE_MAX_OUTPUT_SCALE': MAX_SCALE,
        'WIRE_MAX_CURSOR_SIZE': MAX_CURSOR,
        'WIRE_MAX_CURSOR_BYTES': MAX_CURSOR_BYTES,
        'WIRE_MAX_KEYMAP_BYTES': MAX_KEYMAP,
        'WIRE_MAX_KEYMAP_CHUNK': MAX_KEYMAP_CHUNK,
        'WIRE_MAX_KEYCODE': MAX_KEYCODE, 'WIRE_MIN_BUTTON': MIN_BUTTON,
        'WIRE_MAX_BUTTON': MAX_BUTTON, 'WIRE_MAX_XKB_GROUP': MAX_GROUP,
        'WIRE_MAX_POINTER_X': MAX_PX, 'WIRE_MAX_POINTER_Y': MAX_PY,
        'WIRE_MAX_AXIS_VALUE': MAX_AXIS,
        'WIRE_MAX_AXIS_DISCRETE': MAX_DISCRETE,
        'WIRE_MAX_CLIPBOARD_BYTES': MAX_CLIPBOARD,
        'WIRE_MAX_BODY_SIZE': MAX_BODY,
        'WIRE_FORMAT_ARGB8888': ARGB8888, 'WIRE_FORMAT_XRGB8888': XRGB8888,
        'WIRE_CAP_POPUPS': CAP_POPUPS, 'WIRE_CAP_INPUT': CAP_INPUT,
        'WIRE_CAP_CURSOR': CAP_CURSOR, 'WIRE_CAP_CLIPBOARD': CAP_CLIPBOARD,
        'WIRE_CAP_DAMAGE_PARTS': CAP_DAMAGE_PARTS,
    }
    for name, value in expect.items():
        assert values.get(name) == value, (
            'protocol.h: %s is %r, make_corpus.py has %r' %
            (name, values.get(name), value))


def check_dict():
    """wire.dict names every type, as type_<name> = its code."""
    words = {}
    with open(os.path.join(HERE, 'wire.dict'), encoding='utf-8') as f:
        for line in f:
            m = re.match(r'^(\w+)="(.*)"$', line.strip())
            if m:
                raw = m.group(2).encode().decode('unicode_escape')
                words[m.group(1)] = raw.encode('latin-1')
    for t in MESSAGES:
        key = 'type_' + t.name.lower()
        assert words.get(key) == struct.pack('<I', t.code), (
            'wire.dict: %s missing or not 0x%02x' % (key, t.code))


# --- a decoder written from sections 3 and 6 -------------------------------

def relations(t, f, tail, sender):
    """Rules 10 and 11: the rules between fields. Returns a status or
    None."""
    n = t.name
    if n == 'HELLO':
        dom0_fields = ('output_width', 'output_height', 'output_scale',
                       'max_windows', 'max_buffer_mib')
        if sender == VM:
            return 'value' if any(f[k] for k in dom0_fields) else None
        return None if (f['output_scale'] >= 1 and f['max_windows'] >= 1
                        and f['max_buffer_mib'] >= 1) else 'value'
    if n == 'WINDOW_CREATE':
        if f['parent_id'] == f['window_id']:
            return 'value'
        if f['kind'] == POPUP:
            ok = f['parent_id'] != 0 and not f['flags'] & MODAL
        else:
            ok = (f['x'] == 0 and f['y'] == 0 and not f['flags'] & GRAB and
                  not (f['flags'] & MODAL and f['parent_id'] == 0))
        return None if ok else 'value'
    if n == 'BUFFER_CREATE':
        if (f['stride'] < 4 * f['width'] or f['stride'] % 4 or
                f['stride'] * f['height'] > MAX_BUFFER_BYTES or
                f['format'] not in (ARGB8888, XRGB8888)):
            return 'value'
        pages = (f['stride'] * f['height'] + PAGE - 1) // PAGE
        return None if f['ref_count'] == pages else 'count'
    if n in ('DAMAGE', 'DAMAGE_PART'):
        for k in range(f['rect_count']):
            x, y, w, h = struct.unpack_from('<4i', tail, 16 * k)
            if (x < 0 or y < 0 or w <= 0 or h <= 0 or x + w > MAX_W or
                    y + h > MAX_H):
                return 'value'
        return None
    if n == 'CURSOR_IMAGE':
        w, h = f['width'], f['height']
        if (w == 0) != (h == 0):
            return 'value'
        if w == 0:
            if f['hotspot_x'] or f['hotspot_y']:
                return 'value'
        elif f['hotspot_x'] >= w or f['hotspot_y'] >= h:
            return 'value'
        return None if f['length'] == w * h * 4 else 'count'
    if n == 'WINDOW_HINTS':
        if ((f['max_width'] and f['min_width'] > f['max_width']) or
                (f['max_height'] and f['min_height'] > f['max_height'])):
            return 'value'
        return None
    if n == 'KEYMAP':
        if (f['length'] > f['total_size'] or
                f['offset'] > f['total_size'] - f['length']):
            return 'value'
        return None
    return None


def decode_one(data, sender):
    """Section 3's rules in order on the front of data. Returns
    (status, type, fields, tail, size); status 'ok' or the rule broken."""
    if len(data) < HEADER_SIZE:
        return 'incomplete', None, None, None, 0
    code, length = struct.unpack_from('<II', data)
    if length > MAX_BODY:
        return 'too-large', None, None, None, 0
    if len(data) - HEADER_SIZE < length:
        return 'incomplete', None, None, None, 0
    t = BY_CODE.get(code)
    if t is None:
        return 'unknown-type', None, None, None, 0
    if sender not in t.senders:
        return 'direction', t, None, None, 0
    body = data[HEADER_SIZE:HEADER_SIZE + length]
    if t.tail is None:
        if length != t.fixed:
            return 'length', t, None, None, 0
        count = 0
    else:
        if length < t.fixed:
            return 'length', t, None, None, 0
        elem, lo, hi = t.tail
        count = struct.unpack_from('<I', body, t.fixed - 4)[0]
        if not lo <= count <= hi:
            return 'count', t, None, None, 0
        if length != t.fixed + count * elem:
            return 'length', t, None, None, 0
    f = {}
    for k, (name, signed, lo, hi) in enumerate(t.fields):
        f[name] = struct.unpack_from('<i' if signed else '<I', body,
                                     4 * k)[0]
    tail = body[t.fixed:]
    for name, _, lo, hi in t.fields:
        if not lo <= f[name] <= hi:
            return 'value', t, None, None, 0
    status = relations(t, f, tail, sender)
    if status is not None:
        return status, t, None, None, 0
    return 'ok', t, f, tail, HEADER_SIZE + length


def decode_stream(data, sender):
    """What a receiver reads: [(type name, size)], then the status and the
    offset it stopped at."""
    out, offset = [], 0
    while True:
        status, t, _, _, size = decode_one(data[offset:], sender)
        if status != 'ok':
            return out, status, offset
        out.append((t.name, size))
        offset += size


def handshake_stream(data):
    """The stream as fuzz_handshake.c reads it: a VM message, or a dom0
    one where the VM reading says "direction". [(in|out, type name)]."""
    out, offset = [], 0
    while offset < len(data):
        status, t, _, _, size = decode_one(data[offset:], VM)
        way = 'in'
        if status == 'direction':
            status, t, _, _, size = decode_one(data[offset:], DOM0)
            way = 'out'
        if status != 'ok':
            raise Invalid('handshake seed stops at %d: %s' %
                          (offset, status))
        out.append((way, t.name))
        offset += size
    return out


# --- encoders: every message is checked by the decoder above ----------------

def msg(name, sender, *words, tail=b''):
    """The message name with fixed words (the tail's count, last word, is
    added from the tail) from sender; refuses what section 6 refuses."""
    t = BY_NAME[name]
    if t.tail is not None:
        words += (len(tail) // t.tail[0],)
    assert len(words) == len(t.fields), '%s: %d words' % (name, len(words))
    body = b''.join(struct.pack('<i' if signed else '<I', w)
                    for w, (_, signed, _, _) in zip(words, t.fields))
    data = struct.pack('<II', t.code, len(body + tail)) + body + tail
    status, _, _, _, size = decode_one(data, sender)
    if status != 'ok' or size != len(data):
        raise Invalid('%s from %s: %s' % (name, sender, status))
    return data


def text(s):
    return s.encode('utf-8') if isinstance(s, str) else s


def hello_vm(caps=0, version=VERSION):
    return msg('HELLO', VM, version, 0, 0, caps, 0, 0, 0)


def hello_dom0(width=1920, height=1080, caps=CAP_ALL, scale=1,
               max_windows=256, mib=512):
    return msg('HELLO', DOM0, VERSION, width, height, caps, scale,
               max_windows, mib)


def window_create(wid, width=0, height=0, kind=TOPLEVEL, parent=0, x=0, y=0,
                  flags=0):
    return msg('WINDOW_CREATE', VM, wid, width, height, kind, parent, x, y,
               flags)


def popup_create(wid, parent, x, y, width=0, height=0, grab=False):
    return window_create(wid, width, height, POPUP, parent, x, y,
                         GRAB if grab else 0)


def window_destroy(wid):
    return msg('WINDOW_DESTROY', VM, wid)


def window_title(wid, title):
    return msg('WINDOW_TITLE', VM, wid, tail=text(title))


def window_app_id(wid, app_id):
    return msg('WINDOW_APP_ID', VM, wid, tail=text(app_id))


def window_hints(wid, min_w=0, min_h=0, max_w=0, max_h=0):
    return msg('WINDOW_HINTS', VM, wid, min_w, min_h, max_w, max_h)


def window_request(wid, request):
    return msg('WINDOW_REQUEST', VM, wid, request)


def window_move(wid, x, y):
    return msg('WINDOW_MOVE', VM, wid, x, y)


def configure_ack(wid, serial):
    return msg('CONFIGURE_ACK', VM, wid, serial)


def buffer_create(wid, bid, width, height, stride=None, fmt=ARGB8888,
                  first_ref=0):
    stride = stride if stride is not None else 4 * width
    pages = (stride * height + PAGE - 1) // PAGE
    refs = struct.pack('<%dI' % pages, *range(first_ref, first_ref + pages))
    return msg('BUFFER_CREATE', VM, wid, bid, width, height, stride, fmt,
               tail=refs)


def buffer_destroy(wid, bid):
    return msg('BUFFER_DESTROY', VM, wid, bid)


def damage(wid, bid, rects):
    tail = b''.join(struct.pack('<4i', *r) for r in rects)
    return msg('DAMAGE', VM, wid, bid, tail=tail)


def damage_part(wid, bid, rects):
    tail = b''.join(struct.pack('<4i', *r) for r in rects)
    return msg('DAMAGE_PART', VM, wid, bid, tail=tail)


def cursor_image(width, height, hot_x=0, hot_y=0):
    # A premultiplied ARGB pattern: opaque diagonal, translucent rest.
    pixels = b''.join(
        struct.pack('<I', 0xff000000 if x == y else 0x40202020)
        for y in range(height) for x in range(width))
    return msg('CURSOR_IMAGE', VM, width, height, hot_x, hot_y, tail=pixels)


def clipboard_data(serial, data):
    return msg('CLIPBOARD_DATA', VM, serial, tail=text(data))


def pong(serial):
    return msg('PONG', VM, serial)


def frame_done(wid, msec, sec=0, nsec=0, refresh=0):
    return msg('FRAME_DONE', DOM0, wid, msec, sec >> 32, sec & U32, nsec,
               refresh)


def buffer_release(wid, bid):
    return msg('BUFFER_RELEASE', DOM0, wid, bid)


def configure(wid, width=0, height=0, states=0, serial=0):
    # The serial is the bridge's to assign (validate_outgoing).
    return msg('CONFIGURE', DOM0, wid, width, height, serial, states)


def close(wid):
    return msg('CLOSE', DOM0, wid)


KEYMAP_TEXT = (b'xkb_keymap {\n'
               b'\txkb_keycodes "evdev+aliases(qwerty)" { };\n'
               b'\txkb_types "complete" { };\n'
               b'\txkb_compat "complete" { };\n'
               b'\txkb_symbols "pc+us+inet(evdev)" { };\n'
               b'};\n')


def keymap_chunks(data, chunk):
    return b''.join(
        msg('KEYMAP', DOM0, len(data), off, tail=data[off:off + chunk])
        for off in range(0, len(data), chunk))


def key(msec, keycode, pressed):
    return msg('KEY', DOM0, msec, keycode, int(pressed))


def modifiers(depressed=0, latched=0, locked=0, group=0):
    return msg('MODIFIERS', DOM0, depressed, latched, locked, group)


def keyboard_enter(wid):
    return msg('KEYBOARD_ENTER', DOM0, wid)


def keyboard_leave(wid):
    return msg('KEYBOARD_LEAVE', DOM0, wid)


def fixed(v):
    """24.8 fixed point, as wl_fixed_from_double."""
    return int(round(v * 256))


def pointer_enter(wid, x, y):
    return msg('POINTER_ENTER', DOM0, wid, fixed(x), fixed(y))


def pointer_leave(wid):
    return msg('POINTER_LEAVE', DOM0, wid)


def pointer_motion(msec, x, y):
    return msg('POINTER_MOTION', DOM0, msec, fixed(x), fixed(y))


def pointer_button(msec, button, pressed):
    return msg('POINTER_BUTTON', DOM0, msec, button, int(pressed))


def pointer_axis(msec, axis, value, discrete=0, source=0):
    return msg('POINTER_AXIS', DOM0, msec, axis, fixed(value), discrete,
               source)


def pointer_frame():
    return msg('POINTER_FRAME', DOM0)


def clipboard_request(serial=0):
    return msg('CLIPBOARD_REQUEST', DOM0, serial)


def clipboard_set(data):
    return msg('CLIPBOARD_SET', DOM0, tail=text(data))


def ping(serial=0):
    return msg('PING', DOM0, serial)


configure_, ping_, clipboard_request_ = configure, ping, clipboard_request


# --- the seeds ---------------------------------------------------------------

def vm_session(dom0=True):
    """A VM's whole life with one terminal, its menu and a dialog: every
    VM type, in an order the bridge accepts; with dom0's messages it
    answers, or without them (as a stream from the VM alone)."""
    def configure(*args):
        return configure_(*args) if dom0 else b''

    def ping():
        return ping_() if dom0 else b''

    def clipboard_request():
        return clipboard_request_() if dom0 else b''

    return (hello_vm(CAP_ALL) +
            window_create(1, 64, 48) +
            window_title(1, 'terminal \u2014 ~/src') +
            window_app_id(1, 'org.gnome.Terminal') +
            window_hints(1, 32, 24, 0, 0) +
            buffer_create(1, 1, 64, 48) +
            damage(1, 1, [(0, 0, 64, 48)]) +
            configure(1, 80, 60, ACTIVATED) +
            configure_ack(1, 1) +
            buffer_create(1, 2, 80, 60, fmt=XRGB8888, first_ref=3) +
            damage_part(1, 2, [(0, 0, 8, 8)]) +
            damage(1, 2, [(0, 0, 8, 8), (10, 10, 20, 5)]) +
            buffer_destroy(1, 1) +
            window_request(1, MAXIMIZE) +
            configure(1, 1920, 1040, ACTIVATED | MAXIMIZED) +
            configure_ack(1, 2) +
            popup_create(2, 1, 10, 20, 32, 16, grab=True) +
            buffer_create(2, 1, 32, 16, first_ref=20) +
            damage(2, 1, [(0, 0, 32, 16)]) +
            window_move(2, -8, 40) +
            cursor_image(8, 8, 3, 4) +
            cursor_image(0, 0) +
            ping() + pong(1) +
            clipboard_request() + clipboard_data(1, 'copied text') +
            window_destroy(2) +
            window_create(3, 200, 100, parent=1, flags=MODAL) +
            window_title(3, 'Save changes?') +
            window_destroy(3) +
            buffer_destroy(1, 2) + window_destroy(1))


def dom0_session():
    """dom0's side of a session: every dom0 type, in an order the agent
    accepts (section 9)."""
    return (hello_dom0() +
            configure(1, 800, 600, ACTIVATED, serial=1) +
            frame_done(1, 16, sec=12345, nsec=678000000, refresh=16666666) +
            buffer_release(1, 1) +
            keymap_chunks(KEYMAP_TEXT, 64) +
            keyboard_enter(1) + modifiers() +
            key(100, KEY_A, True) + modifiers(depressed=1) +
            key(150, KEY_A, False) + modifiers() +
            pointer_enter(1, 10.5, 20.25) + pointer_frame() +
            pointer_motion(200, 11, 21) + pointer_frame() +
            pointer_button(210, BTN_LEFT, True) + pointer_frame() +
            pointer_button(260, BTN_LEFT, False) + pointer_frame() +
            pointer_axis(300, 0, 15, 1, 0) +
            pointer_axis(300, 1, -3.5, 0, 1) + pointer_frame() +
            pointer_axis(310, 0, 0, 0, 1) + pointer_frame() +
            pointer_leave(1) + pointer_frame() +
            clipboard_request(1) + clipboard_set('pasted \u00e9') +
            ping(1) + keyboard_leave(1) +
            hello_dom0(2560, 1440, scale=2) +
            close(1))


def wire_decode_seeds():
    """{name: (sender, bytes)}: each decodes whole from sender."""
    seeds = {
        # VM types.
        'hello_vm': (VM, hello_vm()),
        'hello_vm_caps': (VM, hello_vm(CAP_ALL)),
        'hello_vm_future_caps': (VM, hello_vm(0xfffffff0 | CAP_INPUT)),
        'window_create': (VM, window_create(7, 640, 480)),
        'window_create_dialog': (VM, window_create(8, 300, 200, parent=7,
                                                   flags=MODAL)),
        'window_create_popup': (VM, popup_create(9, 7, -MAX_W, MAX_H,
                                                 120, 80, grab=True)),
        'window_destroy': (VM, window_destroy(7)),
        'window_title': (VM, window_title(7, 'caf\u00e9 \x01 title')),
        'window_title_empty': (VM, window_title(7, '')),
        'window_title_max': (VM, window_title(7, b'\xff' * MAX_TITLE)),
        'window_app_id': (VM, window_app_id(7, 'org.mozilla.firefox')),
        'window_app_id_max': (VM, window_app_id(7, 'a' * MAX_APP_ID)),
        'window_hints': (VM, window_hints(7, 100, 50, 1000, 800)),
        'window_hints_max': (VM, window_hints(7, MAX_W, MAX_H, MAX_W,
                                              MAX_H)),
        'window_request': (VM, b''.join(window_request(7, r) for r in
                                        range(MAXIMIZE, MINIMIZE + 1))),
        'window_move': (VM, window_move(9, MAX_W, -MAX_H)),
        'configure_ack': (VM, configure_ack(7, U32)),
        'buffer_create': (VM, buffer_create(7, 1, 16, 16)),
        'buffer_create_pages': (VM, buffer_create(7, 2, 100, 50, stride=416,
                                                  fmt=XRGB8888,
                                                  first_ref=9)),
        'buffer_destroy': (VM, buffer_destroy(7, 1)),
        'damage': (VM, damage(7, 1, [(0, 0, 16, 16), (2, 3, 4, 5)])),
        'damage_max': (VM, damage(7, 1, [(k, k, MAX_W - k, 1)
                                         for k in range(MAX_RECTS)])),
        'damage_part': (VM, damage_part(7, 1, [(0, 0, 16, 8)]) +
                        damage_part(7, 1, [(0, 8, 16, 8)])),
        'damage_part_max': (VM, damage_part(7, 1, [(0, k, MAX_W, 1)
                                                   for k in range(MAX_RECTS)])),
        'cursor_image': (VM, cursor_image(16, 16, 15, 0)),
        'cursor_hidden': (VM, cursor_image(0, 0)),
        'clipboard_data': (VM, clipboard_data(3, 'caf\u00e9\n\ttab')),
        'clipboard_data_empty': (VM, clipboard_data(1, '')),
        'pong': (VM, pong(42)),
        'stream_vm': (VM, vm_session(dom0=False)),
        # dom0 types.
        'hello_dom0': (DOM0, hello_dom0()),
        'hello_dom0_limits': (DOM0, hello_dom0(0, 0, 0, MAX_SCALE,
                                               MAX_WINDOWS_LIMIT,
                                               MAX_MIB_LIMIT)),
        'hello_dom0_minimal': (DOM0, hello_dom0(MAX_W, MAX_H, 0, 1, 1, 1)),
        'frame_done': (DOM0, frame_done(7, 123456)),
        'frame_done_timed': (DOM0, frame_done(7, U32, sec=(1 << 40) + 5,
                                              nsec=999999999,
                                              refresh=6944444)),
        'buffer_release': (DOM0, buffer_release(7, 1)),
        'configure': (DOM0, configure(7, 800, 600, serial=1)),
        'configure_states': (DOM0, configure(7, 0, 0, 7, serial=U32)),
        'close': (DOM0, close(7)),
        'keymap': (DOM0, keymap_chunks(KEYMAP_TEXT, len(KEYMAP_TEXT))),
        'keymap_chunks': (DOM0, keymap_chunks(KEYMAP_TEXT, 50)),
        'keymap_last_chunk': (DOM0, msg('KEYMAP', DOM0, MAX_KEYMAP,
                                        MAX_KEYMAP - 16, tail=b'}' * 16)),
        'key': (DOM0, key(5, KEY_ENTER, True) + key(9, MAX_KEYCODE, False)),
        'modifiers': (DOM0, modifiers(0x5, 0x0, 0x10, MAX_GROUP)),
        'keyboard_enter': (DOM0, keyboard_enter(7)),
        'keyboard_leave': (DOM0, keyboard_leave(7)),
        'pointer_enter': (DOM0, pointer_enter(7, -1.5, 8192)),
        'pointer_leave': (DOM0, pointer_leave(7)),
        'pointer_motion': (DOM0, pointer_motion(77, -8192, 0.00390625)),
        'pointer_button': (DOM0, pointer_button(1, MAX_BUTTON, True) +
                           pointer_button(2, BTN_RIGHT, False)),
        'pointer_axis': (DOM0, pointer_axis(3, 1, -65536, -MAX_DISCRETE, 3) +
                         pointer_axis(4, 0, 65536, MAX_DISCRETE, 2)),
        'pointer_frame': (DOM0, pointer_frame()),
        'clipboard_request': (DOM0, clipboard_request(1)),
        'clipboard_set': (DOM0, clipboard_set('text \u2603')),
        'clipboard_set_empty': (DOM0, clipboard_set('')),
        'ping': (DOM0, ping(U32)),
        'stream_dom0': (DOM0, dom0_session()),
    }
    # Cut short on purpose: in the header, in a fixed part, in a tail.
    seeds['incomplete'] = (VM, hello_vm()[:13])
    seeds['incomplete_header'] = (DOM0, ping(1)[:6])
    seeds['incomplete_tail'] = (VM, window_create(1) +
                                window_title(1, 'cut here')[:-3])

    for name, (sender, data) in seeds.items():
        _, status, offset = decode_stream(data, sender)
        assert status == 'incomplete', (name, status)
        assert (offset == len(data)) != name.startswith('incomplete'), name
    # Every type from every sender it may come from.
    for t in MESSAGES:
        for sender in t.senders:
            assert any(t.name in [n for n, _ in decode_stream(d, s)[0]]
                       for s, d in seeds.values() if s == sender), (
                'no wire_decode seed has %s from %s' % (t.name, sender))
    return seeds


def handshake_seeds():
    """{name: (expected, bytes)}: expected is 'ok' (every message
    accepted) or the validate_error_str of the rule the last message
    breaks."""
    h = hello_vm(CAP_ALL)
    windows = b''.join(window_create(k) for k in range(1, 10))
    # fuzz_handshake.c's quota is 1 MiB: four 256 KiB buffers fill it.
    quota = b''.join(buffer_create(1, k, 256, 256, first_ref=k * 64)
                     for k in range(1, 5))
    seeds = {
        'session': ('ok', vm_session()),
        'hello_only': ('ok', hello_vm()),
        'hello_future_caps': ('ok', hello_vm(U32) + window_create(1)),
        'hello_bad_version': ('version', hello_vm(version=2)),
        'hello_version_zero': ('version', hello_vm(version=0)),
        'hello_twice': ('hello-again', h + window_create(1) + hello_vm()),
        'no_hello': ('no-hello', window_create(1, 10, 10)),
        'no_hello_pong': ('no-hello', ping() + pong(1)),
        'window_limit': ('window-limit', h + windows),
        'window_exists': ('window-exists', h + window_create(1) +
                          window_create(1)),
        'window_reuse': ('ok', h + window_create(1) + window_destroy(1) +
                         window_create(1) + window_title(1, 'again')),
        'unknown_window': ('no-window', h + window_title(5, 'nobody')),
        'popup_tree': ('ok', h + window_create(1, 400, 300) +
                       popup_create(2, 1, 5, 5, 100, 200, grab=True) +
                       popup_create(3, 2, 100, 0, 100, 50) +
                       window_move(3, 100, 20) + window_move(2, -5, -5) +
                       window_destroy(3) + window_destroy(2) +
                       window_destroy(1)),
        'popup_no_parent': ('no-parent', h + popup_create(2, 1, 0, 0)),
        'dialog_no_parent': ('no-parent', h + window_create(
            2, parent=1, flags=MODAL)),
        'parent_kind': ('parent-kind', h + window_create(1) +
                        popup_create(2, 1, 0, 0) +
                        window_create(3, parent=2)),
        'has_children': ('has-children', h + window_create(1) +
                         window_create(2, parent=1, flags=MODAL) +
                         window_destroy(1)),
        'title_for_popup': ('wrong-kind', h + window_create(1) +
                            popup_create(2, 1, 0, 0) +
                            window_title(2, 'menu')),
        'app_id_for_popup': ('wrong-kind', h + window_create(1) +
                             popup_create(2, 1, 0, 0) +
                             window_app_id(2, 'menu')),
        'hints_for_popup': ('wrong-kind', h + window_create(1) +
                            popup_create(2, 1, 0, 0) +
                            window_hints(2, 1, 1)),
        'request_for_popup': ('wrong-kind', h + window_create(1) +
                              popup_create(2, 1, 0, 0) +
                              window_request(2, FULLSCREEN)),
        'move_toplevel': ('wrong-kind', h + window_create(1) +
                          window_move(1, 10, 10)),
        'toplevel_requests': ('ok', h + window_create(1) +
                              window_app_id(1, 'org.example.App') +
                              window_hints(1, 200, 100, 800, 600) +
                              b''.join(window_request(1, r) for r in
                                       range(MAXIMIZE, MINIMIZE + 1))),
        'buffer_exists': ('buffer-exists', h + window_create(1) +
                          buffer_create(1, 1, 16, 16) +
                          buffer_create(1, 1, 8, 8)),
        'buffer_limit': ('buffer-limit', h + window_create(1) + b''.join(
            buffer_create(1, k, 16, 16) for k in range(1, 6))),
        'buffer_quota': ('quota', h + window_create(1) + quota +
                         window_create(2) + buffer_create(2, 1, 16, 16)),
        'buffer_cycle': ('ok', h + window_create(1) + quota +
                         buffer_destroy(1, 4) + window_create(2) +
                         buffer_create(2, 1, 16, 16) + window_destroy(1) +
                         buffer_create(2, 2, 512, 256)),
        'no_buffer': ('no-buffer', h + window_create(1) +
                      damage(1, 1, [(0, 0, 1, 1)])),
        'buffer_destroy_unknown': ('no-buffer', h + window_create(1) +
                                   buffer_create(1, 1, 4, 4) +
                                   buffer_destroy(1, 2)),
        'damage_outside': ('damage-outside', h + window_create(1) +
                           buffer_create(1, 1, 16, 16) +
                           damage(1, 1, [(8, 8, 9, 1)])),
        'damage_edge': ('ok', h + window_create(1) +
                        buffer_create(1, 1, 16, 16) +
                        damage(1, 1, [(15, 15, 1, 1), (0, 0, 16, 16)])),
        'damage_parts': ('ok', h + window_create(1) +
                         buffer_create(1, 1, 16, 16) +
                         damage_part(1, 1, [(0, 0, 16, 8)]) +
                         damage_part(1, 1, [(0, 8, 16, 8)]) +
                         damage(1, 1, [(0, 0, 16, 16)])),
        'damage_part_outside': ('damage-outside', h + window_create(1) +
                                buffer_create(1, 1, 16, 16) +
                                damage_part(1, 1, [(0, 8, 16, 9)])),
        'damage_part_no_buffer': ('no-buffer', h + window_create(1) +
                                  buffer_create(1, 1, 16, 16) +
                                  damage_part(1, 2, [(0, 0, 1, 1)])),
        'configure_ack': ('ok', h + window_create(1) + configure(1, 10, 10) +
                          configure(1, 20, 20) + configure_ack(1, 2) +
                          configure(1) + configure_ack(1, 3)),
        'ack_twice': ('ack-serial', h + window_create(1) + configure(1) +
                      configure_ack(1, 1) + configure_ack(1, 1)),
        'ack_older': ('ack-serial', h + window_create(1) + configure(1) +
                      configure(1) + configure_ack(1, 2) +
                      configure_ack(1, 1)),
        'ack_unsent': ('ack-serial', h + window_create(1) +
                       configure_ack(1, 1)),
        'ack_after_reuse': ('ack-serial', h + window_create(1) +
                            configure(1) + window_destroy(1) +
                            window_create(1) + configure_ack(1, 1)),
        'ack_other_window': ('ack-serial', h + window_create(1) +
                             window_create(2) + configure(1) +
                             configure_ack(2, 1)),
        'configure_unknown': ('ok', h + configure(9) + window_create(9) +
                              configure(9) + configure_ack(9, 1)),
        'cursor': ('ok', h + cursor_image(1, 1) +
                   cursor_image(MAX_CURSOR, 1, 63, 0) +
                   cursor_image(0, 0)),
        'clipboard': ('ok', h + clipboard_request() + clipboard_request() +
                      clipboard_data(2, 'newest only') +
                      clipboard_request() + clipboard_data(3, '')),
        'clipboard_unrequested': ('clipboard-unrequested',
                                  h + clipboard_data(1, 'push')),
        'clipboard_twice': ('clipboard-unrequested', h + clipboard_request() +
                            clipboard_data(1, 'a') + clipboard_data(1, 'b')),
        'ping': ('ok', h + ping() + ping() + pong(1) + pong(2)),
        'pong_unrequested': ('pong-unrequested', h + ping() + pong(2)),
        'pong_older': ('pong-unrequested', h + ping() + ping() + pong(2) +
                       pong(1)),
        'dom0_traffic': ('ok', h + window_create(1) + frame_done(1, 5) +
                         buffer_release(1, 1) + close(1) +
                         keymap_chunks(KEYMAP_TEXT, 100) +
                         keyboard_enter(1) + key(1, KEY_A, True) +
                         pointer_enter(1, 1, 1) + pointer_frame() +
                         clipboard_set('x') + window_destroy(1)),
    }
    for name, (expected, data) in seeds.items():
        handshake_stream(data)  # decodes whole, or raises
    return seeds


CONFIG_FULL = """\
; the shipped example's shape
[general]
border-width = 4
background = #202020
output-scale = 1

[labels]
red = #cc0000
orange = #f57900
yellow = #edd400
green = #73d216
gray = #555555
blue = #3465a4
purple = #75507b
black = #000000

[vm work]
label = blue
vchan = socket:/run/mullion/work   ; or xen:DOMID
buffers = shm, dmabuf-linear
snapshot = no
fullscreen = allow
max-windows = 256
max-buffer-mib = 512
titles = utf8

[vm personal]
label = green
vchan = xen:12
buffers = shm
snapshot = yes
fullscreen = deny
max-windows = 16
max-buffer-mib = 64
titles = ascii

[keys]
secure-attention = Ctrl+Alt+Escape
copy = Ctrl+Shift+c
paste = Ctrl+Shift+v
"""


def config_seeds():
    return {
        'full': CONFIG_FULL,
        'empty': '',
        'one_vm': '[vm a]\nlabel = red\nvchan = socket:/tmp/a\n',
        'xen_vm': '[vm b_2]\nlabel = purple\nvchan = xen:32751\n'
                  'buffers = dmabuf-linear\n',
        'new_label': '[labels]\nteal = #008080\n[vm c]\nlabel = teal\n'
                     'vchan = socket:/run/c/\n',
        'keys': '[keys]\nsecure-attention = Super+Escape\n'
                'copy = Ctrl+c\npaste = Ctrl+v\n',
        'general': '[general]\nborder-width = 32\nbackground = #ffffff\noutput-scale = 4\n',
        'bad_colour': '[labels]\nred = #cc00\n',
        'unknown_key': '[vm d]\nlabel = red\nvchan = xen:3\ncolour = red\n',
        'duplicate_vm': '[vm e]\nlabel = red\nvchan = xen:4\n'
                        '[vm e]\nlabel = blue\nvchan = xen:5\n',
    }


def agent_config_seeds():
    """agent.conf: the shipped example, each key at a bound, and a few
    files wrong on purpose."""
    with open(os.path.join(ROOT, 'config', 'agent.conf'), encoding='utf-8') as f:
        example = f.read()
    return {
        'example': example,
        'empty': '',
        'socket_vchan': '[agent]\nvchan = socket:/run/user/1000/mullion-vchan\n'
                        'socket = wayland-0\n',
        'xen_vchan': '[agent]\nvchan = xen:32751\npool-mib = 65536\n'
                     'size = 8192x8192\n',
        'comments': '\ufeff; c\n# c\n[ agent ] \npool-mib = 1 ; min\n'
                    'size = 1x1\n',
        'bad_size': '[agent]\nsize = 1920X1080\n',
        'duplicate_key': '[agent]\npool-mib = 64\npool-mib = 64\n',
        'unknown_section': '[vm work]\nvchan = xen:1\n',
    }


def sanitise_seeds():
    """Text a VM may name its windows with: a clean app id, a UTF-8 title,
    ill-formed bytes (overlong, surrogate, above U+10FFFF, an escape), a
    title that imitates another VM's prefix behind a bidi override, and
    one with what a UTF-8 title may not keep (a line separator, a zero
    width space, an isolate, tag characters, private use, a
    noncharacter)."""
    return {
        'app_id': b'org.gnome.Foo',
        'title_utf8': 'Terminal \u2014 ~/src'.encode('utf-8'),
        'ill_formed': b'a\xc0\xafb\xed\xa0\x80c\xf4\x90\x80\x80\x1b[2J',
        'fake_prefix': '[dom0] \u202eevil\u202c'.encode('utf-8'),
        'hidden': 'a\u2028b\u200bc\u2066d\U000e0041\U000e007f\ue000\ufdd0\U0010ffff'
                  .encode('utf-8'),
    }


def as_bytes(data):
    return data.encode('utf-8') if isinstance(data, str) else data


def check_written(target, seeds):
    """The seeds on disk are these, no more and no fewer."""
    path = os.path.join(CORPUS, target)
    on_disk = set(os.listdir(path)) if os.path.isdir(path) else set()
    stale = on_disk ^ set(seeds)
    for name in on_disk & set(seeds):
        with open(os.path.join(path, name), 'rb') as f:
            if f.read() != as_bytes(seeds[name]):
                stale.add(name)
    if stale:
        raise Invalid('%s seeds differ from what this file makes (%s): '
                      'run tests/fuzz/make_corpus.py' %
                      (target, ', '.join(sorted(stale))))


def write(target, seeds):
    path = os.path.join(CORPUS, target)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(path, name), 'wb') as f:
            f.write(as_bytes(data))
    print('%s: %d seeds' % (os.path.relpath(path), len(seeds)))


# --- --check: the seeds against the C code -----------------------------------

def traced(exe, path):
    env = dict(os.environ, MULLION_FUZZ_TRACE='1')
    r = subprocess.run([exe, path], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    if r.returncode != 0:
        raise Invalid('%s %s exits %d:\n%s' % (exe, path, r.returncode,
                                               r.stdout[-3000:]))
    lines = [line[len('trace: '):] for line in r.stdout.splitlines()
             if line.startswith('trace: ')]
    # libFuzzer now and then runs a file input twice; judge the last run.
    if 'begin' not in lines:
        raise Invalid('%s %s printed no trace' % (exe, path))
    last = len(lines) - 1 - lines[::-1].index('begin')
    return lines[last + 1:]


def check_wire_decode(exe, seeds):
    for name, (_, data) in sorted(seeds.items()):
        expect = []
        for sender in (VM, DOM0):
            msgs, status, offset = decode_stream(data, sender)
            expect += ['%s %s %d' % (sender, n, size) for n, size in msgs]
            expect.append('%s stop %s at %d of %d' % (sender, status, offset,
                                                      len(data)))
        got = traced(exe, os.path.join(CORPUS, 'wire_decode', name))
        if got != expect:
            raise Invalid('wire_decode/%s: the C decoder says\n  %s\n'
                          'the spec (here) says\n  %s' %
                          (name, '\n  '.join(got), '\n  '.join(expect)))


def check_handshake(exe, seeds):
    for name, (expected, data) in sorted(seeds.items()):
        stream = handshake_stream(data)
        got = traced(exe, os.path.join(CORPUS, 'handshake', name))
        lines = [line for line in got if not line.startswith('stop ')]
        if len(lines) != len(stream):
            raise Invalid('handshake/%s: %d messages handled of %d:\n  %s' %
                          (name, len(lines), len(stream), '\n  '.join(got)))
        for k, ((way, type_name), line) in enumerate(zip(stream, lines)):
            last = k == len(stream) - 1
            if way == 'out':
                want = ['out %s sent' % type_name]
                if type_name == 'CONFIGURE':
                    # dom0 sends none for a window the VM does not have.
                    want.append('out %s unsent' % type_name)
            elif last and expected != 'ok':
                want = ['in %s %s' % (type_name, expected)]
            else:
                want = ['in %s accepted' % type_name]
            if line not in want:
                raise Invalid('handshake/%s: message %d: got "%s", want '
                              '"%s"' % (name, k, line, want[0]))
        if expected != 'ok' and stream[-1][0] != 'in':
            raise Invalid('handshake/%s must end with a VM message' % name)
        if expected == 'ok' and got[-1] != 'stop incomplete at %d of %d' % (
                len(data), len(data)):
            raise Invalid('handshake/%s: did not end cleanly: %s' %
                          (name, got[-1]))


def check_loads(exe, target):
    """libFuzzer loads the corpus (-runs=0): no finding while it does."""
    r = subprocess.run([exe, '-runs=0', os.path.join(CORPUS, target)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    inited = [line for line in r.stdout.splitlines() if 'INITED' in line]
    if r.returncode != 0 or not inited:
        raise Invalid('%s -runs=0 exits %d:\n%s' % (exe, r.returncode,
                                                    r.stdout[-3000:]))
    print('%s: %s' % (target, inited[-1].strip()))


def main():
    args = sys.argv[1:]
    build = None
    if args[:1] == ['--check'] and len(args) == 2:
        build = args[1]
    elif args:
        sys.exit(__doc__)
    check_spec_table()
    check_header()
    check_dict()
    wire = wire_decode_seeds()
    handshake = handshake_seeds()
    targets = {
        'wire_decode': {n: d for n, (_, d) in wire.items()},
        'handshake': {n: d for n, (_, d) in handshake.items()},
        'config': config_seeds(),
        'agent_config': agent_config_seeds(),
        'sanitise': sanitise_seeds(),
    }
    if build is None:
        for target, seeds in targets.items():
            write(target, seeds)
        return
    for target, seeds in targets.items():
        check_written(target, seeds)
    fuzz = os.path.join(build, 'tests', 'fuzz')
    check_wire_decode(os.path.join(fuzz, 'fuzz_wire_decode'), wire)
    print('wire_decode: %d seeds decode as the spec says, from both '
          'senders' % len(wire))
    check_handshake(os.path.join(fuzz, 'fuzz_handshake'), handshake)
    print('handshake: %d seeds handled as expected' % len(handshake))
    for target in ('wire_decode', 'handshake', 'agent_config'):
        check_loads(os.path.join(fuzz, 'fuzz_' + target), target)


if __name__ == '__main__':
    try:
        main()
    except Invalid as e:
        sys.exit('make_corpus.py: %s' % e)
