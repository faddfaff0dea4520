#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets: tests/fuzz/corpus/<target>/.

Usage: tests/fuzz/make_corpus.py   (rewrites the seeds in place)

The wire seeds are encoded here from protocols/wire-protocol.md, not with
the C encoder, so they are a second reading of the spec. Each decodes as a
whole (one message or a stream), but for "incomplete", which stops short
on purpose; the handshake seeds decode too, and some then break a
stateful rule (second HELLO, too many windows, damage outside a buffer).
The config seeds are the documented example and variants around it, a few
of them wrong on purpose.
"""
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, 'corpus')

HELLO = 0x01
WINDOW_CREATE, WINDOW_DESTROY, WINDOW_TITLE = 0x10, 0x11, 0x12
BUFFER_CREATE, BUFFER_DESTROY, DAMAGE = 0x13, 0x14, 0x15
FRAME_DONE, BUFFER_RELEASE, CONFIGURE, CLOSE = 0x40, 0x41, 0x42, 0x43
ARGB8888, XRGB8888 = 0x34325241, 0x34325258


def msg(type_, body):
    return struct.pack('<II', type_, len(body)) + body


def u32s(*values):
    return struct.pack('<%dI' % len(values), *values)


def hello(version=1, width=0, height=0):
    return msg(HELLO, u32s(version, width, height))


def window_create(wid, width=0, height=0):
    return msg(WINDOW_CREATE, u32s(wid, width, height))


def window_destroy(wid):
    return msg(WINDOW_DESTROY, u32s(wid))


def window_title(wid, title):
    data = title.encode('utf-8') if isinstance(title, str) else title
    return msg(WINDOW_TITLE, u32s(wid, len(data)) + data)


def buffer_create(wid, bid, width, height, stride=None, fmt=ARGB8888,
                  first_ref=0):
    stride = stride if stride is not None else 4 * width
    pages = (stride * height + 4095) // 4096
    refs = [first_ref + i for i in range(pages)]
    return msg(BUFFER_CREATE, u32s(wid, bid, width, height, stride, fmt,
                                   pages, *refs))


def buffer_destroy(wid, bid):
    return msg(BUFFER_DESTROY, u32s(wid, bid))


def damage(wid, bid, rects):
    body = u32s(wid, bid, len(rects))
    for x, y, w, h in rects:
        body += struct.pack('<4i', x, y, w, h)
    return msg(DAMAGE, body)


def frame_done(wid, msec):
    return msg(FRAME_DONE, u32s(wid, msec))


def buffer_release(wid, bid):
    return msg(BUFFER_RELEASE, u32s(wid, bid))


def configure(wid, width, height):
    return msg(CONFIGURE, u32s(wid, width, height))


def close(wid):
    return msg(CLOSE, u32s(wid))


def vm_session():
    return (hello() + window_create(1, 64, 48) +
            window_title(1, 'terminal \u2014 ~/src') +
            buffer_create(1, 1, 64, 48) +
            damage(1, 1, [(0, 0, 64, 48)]) +
            buffer_create(1, 2, 64, 48, fmt=XRGB8888, first_ref=3) +
            damage(1, 2, [(0, 0, 8, 8), (10, 10, 20, 5)]) +
            buffer_destroy(1, 1) + window_destroy(1))


def wire_decode_seeds():
    return {
        'hello_vm': hello(),
        'hello_dom0': hello(1, 1920, 1080),
        'window_create': window_create(7, 640, 480),
        'window_destroy': window_destroy(7),
        'window_title': window_title(7, 'caf\u00e9 \x01 title'),
        'window_title_empty': window_title(7, ''),
        'buffer_create': buffer_create(7, 1, 16, 16),
        'buffer_create_pages': buffer_create(7, 2, 100, 50, stride=416,
                                             fmt=XRGB8888, first_ref=9),
        'buffer_destroy': buffer_destroy(7, 1),
        'damage': damage(7, 1, [(0, 0, 16, 16), (2, 3, 4, 5)]),
        'frame_done': frame_done(7, 123456),
        'buffer_release': buffer_release(7, 1),
        'configure': configure(7, 800, 600),
        'close': close(7),
        'stream_vm': vm_session(),
        'stream_dom0': (hello(1, 1280, 720) + configure(1, 0, 0) +
                        frame_done(1, 0xfffffff0) + buffer_release(1, 1) +
                        close(1)),
        'incomplete': hello()[:13],
    }


def handshake_seeds():
    windows = b''.join(window_create(i) for i in range(1, 10))
    # fuzz_handshake.c's quota is 1 MiB: four 256 KiB buffers fill it.
    quota = b''.join(buffer_create(1, i, 256, 256, first_ref=i * 64)
                     for i in range(1, 5))
    quota += window_create(2) + buffer_create(2, 1, 16, 16)
    return {
        'session': vm_session(),
        'hello_only': hello(),
        'hello_bad_version': hello(2),
        'hello_twice': hello() + window_create(1) + hello(),
        'no_hello': window_create(1, 10, 10) + hello(),
        'window_limit': hello() + windows,
        'buffer_quota': hello() + window_create(1) + quota,
        'damage_outside': (hello() + window_create(1) +
                           buffer_create(1, 1, 16, 16) +
                           damage(1, 1, [(8, 8, 9, 1)])),
        'unknown_window': hello() + window_title(5, 'nobody'),
    }


CONFIG_FULL = """\
; the shipped example's shape
[general]
border-width = 4
background = #202020

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

[vm personal]
label = green
vchan = xen:12
buffers = shm
snapshot = yes
fullscreen = deny
max-windows = 16
max-buffer-mib = 64

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
        'general': '[general]\nborder-width = 32\nbackground = #ffffff\n',
        'bad_colour': '[labels]\nred = #cc00\n',
        'unknown_key': '[vm d]\nlabel = red\nvchan = xen:3\ncolour = red\n',
        'duplicate_vm': '[vm e]\nlabel = red\nvchan = xen:4\n'
                        '[vm e]\nlabel = blue\nvchan = xen:5\n',
    }


def write(target, seeds):
    path = os.path.join(CORPUS, target)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    for name, data in sorted(seeds.items()):
        if isinstance(data, str):
            data = data.encode('utf-8')
        with open(os.path.join(path, name), 'wb') as f:
            f.write(data)
    print('%s: %d seeds' % (os.path.relpath(path), len(seeds)))


def main():
    write('wire_decode', wire_decode_seeds())
    write('handshake', handshake_seeds())
    write('config', config_seeds())


if __name__ == '__main__':
    main()
