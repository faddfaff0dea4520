#!/usr/bin/env python3
"""The agent's side of a window, as a stand-in dom0 sees it on the wire.

No compositor and no bridge: this test speaks the wire protocol itself
(protocols/wire-protocol.md) over the socket vchan, maps the agent's page
pool read-only as the bridge does, and reads the window buffers' pixels
exactly. mullion-test-input-client runs inside the agent.

1. Configure round trip: a CONFIGURE (size, states) reaches the client's
   xdg_toplevel; once the client acked and committed, the agent sends
   CONFIGURE_ACK with dom0's serial, before the new size's buffers; two
   CONFIGUREs the client answers with one ack get one CONFIGURE_ACK, the
   newer. Size hints travel as WINDOW_HINTS.
2. Scale: with HELLO's output_scale 2, a client that draws at buffer
   scale 2 gets a window of twice its logical size, pixel for pixel (its
   subsurface's edges exactly where they belong); a client at scale 1 is
   scaled up to the same size; configure sizes, size hints, popup places
   and pointer coordinates are all in window pixels.
3. Capabilities: a dom0 whose HELLO does not announce popups is sent
   none (a client's menu opens inside the VM only).
"""

import mmap
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mullion_harness as h  # noqa: E402

VCHAN_GUI_PORT = 6000
PAGE = 4096
HELLO, WINDOW_CREATE, WINDOW_DESTROY = 0x01, 0x10, 0x11
BUFFER_CREATE, BUFFER_DESTROY, DAMAGE = 0x13, 0x14, 0x15
WINDOW_HINTS, WINDOW_MOVE, CONFIGURE_ACK = 0x17, 0x19, 0x1a
FRAME_DONE, BUFFER_RELEASE, CONFIGURE = 0x40, 0x41, 0x42
POINTER_ENTER, POINTER_LEAVE, POINTER_BUTTON, POINTER_FRAME = 0x58, 0x59, 0x5b, 0x5d
CAP_POPUPS, CAP_INPUT = 1, 2
ACTIVATED, MAXIMIZED = 1, 2
BTN_LEFT, BTN_RIGHT = 0x110, 0x111

WINDOW_COLOUR = 0x336699  # the input client's defaults
SUB_COLOUR = 0xcc6633
POPUP_COLOUR = 0x9933cc
SHADOW_COLOUR = 0x11dd77


class Buffer:
    def __init__(self, pool, width, height, stride, refs):
        self.width, self.height, self.stride = width, height, stride
        self.data = b''.join(pool[r * PAGE:(r + 1) * PAGE] for r in refs)[:stride * height]

    def pixel(self, x, y):
        i = y * self.stride + 4 * x
        return struct.unpack_from('<I', self.data, i)[0] & 0xffffff

    def count(self, colour, rect=None):
        """Pixels of colour (alpha ignored) in rect (x, y, w, h)."""
        x, y, w, hh = rect or (0, 0, self.width, self.height)
        want = struct.pack('<I', colour)[:3]
        n = 0
        for row in range(y, y + hh):
            line = self.data[row * self.stride + 4 * x:row * self.stride + 4 * (x + w)]
            n += sum(1 for i in range(0, len(line), 4) if line[i:i + 3] == want)
        return n


class FakeDom0:
    """dom0's end of one VM's vchan: the bridge's part, in a few lines."""

    def __init__(self, s, vm, scale=1, capabilities=CAP_POPUPS | CAP_INPUT):
        path = os.path.join(s.vchan_dir(vm), 'vchan-%d.sock' % VCHAN_GUI_PORT)
        deadline = time.monotonic() + h.READY_TIMEOUT_S
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise h.Failure('the agent is not listening on %s' % path)
                time.sleep(0.05)
        preamble, fds = b'', []
        while len(preamble) < 8:
            data, got, _, _ = socket.recv_fds(self.sock, 8 - len(preamble), 1)
            if not data:
                raise h.Failure('the agent closed the vchan in its preamble')
            preamble += data
            fds += got
        magic, pages = struct.unpack('<II', preamble)
        if magic != 0x564e4c4d or len(fds) != 1:
            raise h.Failure('bad vchan preamble: magic 0x%08x, %d fds' % (magic, len(fds)))
        self.pool = mmap.mmap(fds[0], pages * PAGE, mmap.MAP_SHARED, mmap.PROT_READ)
        os.close(fds[0])
        self.sock.setblocking(False)
        self.rx = b''
        self.messages = []  # (type, fields) in arrival order
        self.seen = 0
        self.buffers = {}  # (window, buffer) -> (width, height, stride, refs)
        self.shown = {}  # window -> the Buffer of its last DAMAGE
        self.send(HELLO, 1, 1280, 720, capabilities, scale, 256, 512)

    @staticmethod
    def encode(kind, *words):
        body = b''.join(struct.pack('<i' if w < 0 else '<I', w) for w in words)
        return struct.pack('<II', kind, len(body)) + body

    def send(self, kind, *words):
        self.sock.sendall(self.encode(kind, *words))

    def send_together(self, *messages):
        """Several messages in one write: the agent reads them at once."""
        self.sock.sendall(b''.join(self.encode(*m) for m in messages))

    def _handle(self, kind, body):
        words = struct.unpack('<%dI' % (len(body) // 4), body[:len(body) // 4 * 4])
        if kind == WINDOW_CREATE:
            fields = dict(zip(('window', 'width', 'height', 'kind', 'parent', 'x', 'y',
                               'flags'), struct.unpack('<IIIIIiiI', body)))
        elif kind == BUFFER_CREATE:
            window, buffer, width, height, stride, fmt, count = words[:7]
            self.buffers[(window, buffer)] = (width, height, stride, words[7:7 + count])
            fields = dict(window=window, buffer=buffer, width=width, height=height)
        elif kind == DAMAGE:
            window, buffer = words[:2]
            width, height, stride, refs = self.buffers[(window, buffer)]
            self.shown[window] = Buffer(self.pool, width, height, stride, refs)
            fields = dict(window=window, buffer=buffer, width=width, height=height)
            # As the bridge: copied, so released; drawn, so the next frame.
            self.send(BUFFER_RELEASE, window, buffer)
            self.send(FRAME_DONE, window, 0, 0, 0, 0, 0)
        elif kind == WINDOW_HINTS:
            fields = dict(zip(('window', 'min_width', 'min_height', 'max_width',
                               'max_height'), words))
        elif kind == CONFIGURE_ACK:
            fields = dict(window=words[0], serial=words[1])
        elif kind == WINDOW_MOVE:
            fields = dict(zip(('window', 'x', 'y'), struct.unpack('<Iii', body)))
        else:
            fields = dict(window=words[0] if words else 0)
        self.messages.append((kind, fields))

    def pump(self, seconds):
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            ready, _, _ = select.select([self.sock], [], [], left)
            if not ready:
                return
            data = self.sock.recv(1 << 20)
            if not data:
                raise h.Failure('the agent closed the vchan')
            self.rx += data
            while len(self.rx) >= 8:
                kind, length = struct.unpack_from('<II', self.rx)
                if len(self.rx) < 8 + length:
                    break
                self._handle(kind, self.rx[8:8 + length])
                self.rx = self.rx[8 + length:]

    def mark(self):
        self.seen = len(self.messages)

    def since(self):
        return self.messages[self.seen:]

    def wait_for(self, message_type, what, timeout=h.EVENT_TIMEOUT_S, **want):
        """The first message of kind since the mark whose fields have the
        wanted values; the mark moves past it."""
        deadline = time.monotonic() + timeout
        while True:
            for i in range(self.seen, len(self.messages)):
                k, fields = self.messages[i]
                if k == message_type and all(fields.get(n) == v for n, v in want.items()):
                    self.seen = i + 1
                    return fields
            if time.monotonic() > deadline:
                raise h.Failure('dom0 got no %s within %.0f s; since the last check it got:\n  %s'
                                % (what, timeout, '\n  '.join(
                                    '0x%02x %r' % m for m in self.since()) or '(nothing)'))
            self.pump(0.05)

    def window_shows(self, window, width, height, timeout=h.EVENT_TIMEOUT_S):
        """Waits until the window's last DAMAGE was of a width x height buffer."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.shown.get(window)
            if shown is not None and (shown.width, shown.height) == (width, height):
                return shown
            if time.monotonic() > deadline:
                raise h.Failure('window %d shows %s, expected %dx%d'
                                % (window, '%dx%d' % (shown.width, shown.height)
                                   if shown else 'nothing', width, height))
            self.pump(0.05)


def uniform(buffer, colour, what):
    n = buffer.count(colour)
    if n != buffer.width * buffer.height:
        raise h.Failure('%s: %d of %dx%d pixels are #%06x; pixel (0,0) is #%06x'
                        % (what, n, buffer.width, buffer.height, colour, buffer.pixel(0, 0)))


def configure_round_trip(s):
    agent = s.start_agent('configure', [
        h.program('MULLION_TEST_INPUT_CLIENT'), '--size', '200x150',
        '--min-size', '120x90', '--max-size', '600x500'])
    events = h.Events(agent)
    dom0 = FakeDom0(s, 'configure')
    create = dom0.wait_for(WINDOW_CREATE, 'WINDOW_CREATE')
    window = create['window']
    if (create['width'], create['height']) != (200, 150):
        raise h.Failure('WINDOW_CREATE says %dx%d, the client is 200x150'
                        % (create['width'], create['height']))
    uniform(dom0.window_shows(window, 200, 150), WINDOW_COLOUR, 'the first frame')
    hints = dom0.wait_for(WINDOW_HINTS, 'WINDOW_HINTS', window=window)
    if (hints['min_width'], hints['min_height'], hints['max_width'],
            hints['max_height']) != (120, 90, 600, 500):
        raise h.Failure('WINDOW_HINTS %r, the client set min 120x90, max 600x500' % hints)
    h.log('window %d: 200x150, hints min 120x90 max 600x500' % window)

    # dom0 resizes and maximizes it.
    events.mark()
    dom0.mark()
    dom0.send(CONFIGURE, window, 320, 240, 7, ACTIVATED | MAXIMIZED)
    events.wait_for('toplevel-states maximized activated', 'configure 320 240')
    ack = dom0.wait_for(CONFIGURE_ACK, 'CONFIGURE_ACK of serial 7', window=window)
    if ack['serial'] != 7:
        raise h.Failure('CONFIGURE_ACK names serial %d, dom0 sent 7' % ack['serial'])
    ack_at = dom0.seen - 1
    dom0.wait_for(BUFFER_CREATE, 'a 320x240 buffer', width=320, height=240)
    if dom0.seen - 1 < ack_at:
        raise h.Failure('the 320x240 buffers came before CONFIGURE_ACK')
    uniform(dom0.window_shows(window, 320, 240), WINDOW_COLOUR, 'the resized frame')
    h.log('CONFIGURE 320x240 maximized: the client redrew, CONFIGURE_ACK 7 came first')

    # Two before the client can answer: one xdg configure, one ack, the
    # newer serial.
    dom0.mark()
    dom0.send_together((CONFIGURE, window, 300, 200, 8, ACTIVATED),
                       (CONFIGURE, window, 280, 180, 9, ACTIVATED))
    ack = dom0.wait_for(CONFIGURE_ACK, 'CONFIGURE_ACK', window=window)
    uniform(dom0.window_shows(window, 280, 180), WINDOW_COLOUR, 'the frame after two')
    dom0.pump(0.3)
    acks = [ack['serial']] + [m[1]['serial'] for m in dom0.since() if m[0] == CONFIGURE_ACK]
    if acks != [9]:
        raise h.Failure('two CONFIGUREs (8, 9) answered by one client ack gave the acks %r, '
                        'expected [9]' % acks)
    h.log('CONFIGUREs 8 and 9 at once: one ack, 9; the window is 280x180')
    agent.kill()


def scale_two(s):
    agent = s.start_agent('scaled', [
        h.program('MULLION_TEST_INPUT_CLIENT'), '--size', '100x80', '--buffer-scale', '2',
        '--shadow', '10', '--subsurface', '10,20,30x20', '--popup', '20,30,40x20',
        '--min-size', '50x40'])
    events = h.Events(agent)
    dom0 = FakeDom0(s, 'scaled', scale=2)
    create = dom0.wait_for(WINDOW_CREATE, 'WINDOW_CREATE')
    window = create['window']
    if (create['width'], create['height']) != (200, 160):
        raise h.Failure('WINDOW_CREATE says %dx%d; a 100x80 window at scale 2 is 200x160'
                        % (create['width'], create['height']))
    shown = dom0.window_shows(window, 200, 160)
    deadline = time.monotonic() + h.EVENT_TIMEOUT_S
    while shown.count(SUB_COLOUR) == 0 and time.monotonic() < deadline:
        dom0.pump(0.05)
        shown = dom0.shown[window]
    sub = (20, 40, 60, 40)  # the subsurface at 10,20,30x20, in window pixels
    problems = []
    if shown.count(SHADOW_COLOUR):
        problems.append('%d shadow pixels in the window' % shown.count(SHADOW_COLOUR))
    if shown.count(SUB_COLOUR, sub) != sub[2] * sub[3]:
        problems.append('the subsurface covers %d of the %d pixels of %r'
                        % (shown.count(SUB_COLOUR, sub), sub[2] * sub[3], sub))
    if shown.count(SUB_COLOUR) != sub[2] * sub[3]:
        problems.append('%d subsurface pixels in all, %d expected (blurred edges?)'
                        % (shown.count(SUB_COLOUR), sub[2] * sub[3]))
    if shown.count(WINDOW_COLOUR) != 200 * 160 - sub[2] * sub[3]:
        problems.append('%d window pixels, %d expected'
                        % (shown.count(WINDOW_COLOUR), 200 * 160 - sub[2] * sub[3]))
    if problems:
        raise h.Failure('\n  '.join(['a scale-2 client on a scale-2 output:'] + problems))
    hints = dom0.wait_for(WINDOW_HINTS, 'WINDOW_HINTS', window=window)
    if (hints['min_width'], hints['min_height']) != (100, 80):
        raise h.Failure('WINDOW_HINTS min %dx%d; the client set 50x40, 100x80 window pixels'
                        % (hints['min_width'], hints['min_height']))
    h.log('scale 2: 200x160 window pixels, subsurface exactly at %r, hints in window pixels'
          % (sub,))

    # Pointer: window pixels in, surface-local logical coordinates out.
    events.mark()
    dom0.send(POINTER_ENTER, window, 10 * 256, 20 * 256)
    dom0.send(POINTER_FRAME)
    dom0.send(POINTER_BUTTON, 0, BTN_RIGHT, 1)
    dom0.send(POINTER_FRAME)
    events.wait_for('pointer-enter main 15.00 20.00',
                    'pointer-button main 15.00 20.00 %d pressed' % BTN_RIGHT,
                    'popup-configure 20 30 40 20')
    popup = dom0.wait_for(WINDOW_CREATE, 'the popup\'s WINDOW_CREATE', kind=1)
    if (popup['x'], popup['y'], popup['width'], popup['height']) != (40, 60, 80, 40):
        raise h.Failure('the popup is at %d,%d, %dx%d; expected 40,60, 80x40 (window pixels)'
                        % (popup['x'], popup['y'], popup['width'], popup['height']))
    dom0.send(POINTER_BUTTON, 0, BTN_RIGHT, 0)
    dom0.send(POINTER_FRAME)
    dom0.send(POINTER_LEAVE, window)
    h.log('pointer at window pixel 10,20: main 15.00 20.00 (logical, shadow 10); '
          'popup at 40,60, 80x40')

    events.mark()
    dom0.mark()
    dom0.send(CONFIGURE, window, 300, 240, 1, ACTIVATED)
    events.wait_for('configure 150 120')
    dom0.wait_for(CONFIGURE_ACK, 'CONFIGURE_ACK', window=window, serial=1)
    dom0.window_shows(window, 300, 240)
    h.log('CONFIGURE 300x240 window pixels: the client drew 150x120 at scale 2')
    agent.kill()

    # A client that ignores the scale is scaled up to the same size.
    s.start_agent('unscaled', [h.program('MULLION_TEST_INPUT_CLIENT'), '--size', '100x80'])
    dom0 = FakeDom0(s, 'unscaled', scale=2)
    window = dom0.wait_for(WINDOW_CREATE, 'WINDOW_CREATE')['window']
    uniform(dom0.window_shows(window, 200, 160), WINDOW_COLOUR,
            'a scale-1 client on a scale-2 output, scaled up')
    h.log('a scale-1 client: scaled up to 200x160')


def no_popups_without_the_capability(s):
    """A dom0 that does not announce popups is sent none: the client's
    menu opens in the VM and stays there."""
    agent = s.start_agent('nopopups', [h.program('MULLION_TEST_INPUT_CLIENT'), '--size',
                                       '100x80', '--popup', '20,30,40x20'])
    events = h.Events(agent)
    dom0 = FakeDom0(s, 'nopopups', capabilities=CAP_INPUT)
    window = dom0.wait_for(WINDOW_CREATE, 'WINDOW_CREATE')['window']
    dom0.window_shows(window, 100, 80)
    dom0.mark()
    events.mark()
    dom0.send(POINTER_ENTER, window, 10 * 256, 20 * 256)
    dom0.send(POINTER_FRAME)
    dom0.send(POINTER_BUTTON, 0, BTN_RIGHT, 1)
    dom0.send(POINTER_FRAME)
    events.wait_for('popup-configure 20 30 40 20')
    dom0.pump(1.0)
    popups = [fields for kind, fields in dom0.since()
              if kind == WINDOW_CREATE and fields.get('kind') == 1]
    if popups:
        raise h.Failure('a dom0 without the popups capability was sent a popup: %r' % popups)
    h.log('dom0 without popups: the client\'s menu stayed in the VM')
    agent.kill()


def test(s):
    configure_round_trip(s)
    scale_two(s)
    no_popups_without_the_capability(s)


if __name__ == '__main__':
    h.run('agent-window', test)
