"""Shared helpers for mullion's end-to-end tests.

A test runs the real programs headless: the compositor with a config of its
own in a private XDG_RUNTIME_DIR, and one mullion-agent per VM with its own
runtime dir, as a real VM would have. It then judges the result the way a
dom0 client sees it: titles through wlr-foreign-toplevel-management
(mullion-test-toplevels) and pixels through wlr-screencopy (grim).

Standard library only. Exit status follows meson: 0 pass, 1 fail, 77 skip
(only when a required tool is not installed).
"""

import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import zlib

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_SKIP = 77

READY_TIMEOUT_S = 10.0
# compositor/title_bar.h: the bar dom0 draws above a VM window's top border.
TITLE_BAR_HEIGHT = 22
EVENT_TIMEOUT_S = 5.0
LOG_TAIL_LINES = 60


class Skip(Exception):
    """A tool the test needs is missing; the test cannot say pass or fail."""


class Failure(Exception):
    """The system under test did not do what the test expects."""


def log(message):
    print(message, flush=True)


# ---------------------------------------------------------------------------
# Colours and images


def parse_colour(text):
    """'#rrggbb' -> (r, g, b)."""
    text = text.strip()
    if len(text) != 7 or text[0] != '#':
        raise ValueError('colour must look like #rrggbb, got %r' % text)
    try:
        value = int(text[1:], 16)
    except ValueError:
        raise ValueError('colour must look like #rrggbb, got %r' % text)
    return ((value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff)


def colour_str(rgb):
    return '#%02x%02x%02x' % tuple(rgb)


class Image:
    """A packed 8-bit RGB image: 3 bytes a pixel, rows top to bottom."""

    def __init__(self, width, height, data):
        if len(data) != width * height * 3:
            raise ValueError('image data is %d bytes, expected %d for %dx%d'
                             % (len(data), width * height * 3, width, height))
        self.width = width
        self.height = height
        self.data = bytes(data)

    @classmethod
    def filled(cls, width, height, rgb):
        return cls(width, height, bytes(rgb) * (width * height))

    def pixel(self, x, y):
        i = (y * self.width + x) * 3
        return tuple(self.data[i:i + 3])

    def row(self, y, x=0, width=None):
        """Bytes of width pixels of row y, starting at x."""
        if width is None:
            width = self.width - x
        start = (y * self.width + x) * 3
        return self.data[start:start + width * 3]

    def with_rect(self, rect, rgb):
        """A copy with rect (x, y, w, h) filled: for building test images."""
        x, y, w, h = rect
        data = bytearray(self.data)
        fill = bytes(rgb) * w
        for row in range(y, y + h):
            start = (row * self.width + x) * 3
            data[start:start + w * 3] = fill
        return Image(self.width, self.height, data)


def parse_ppm(blob):
    """Parses a binary (P6) PPM with maxval 255, as grim writes it."""
    if blob[:2] != b'P6':
        raise ValueError('not a binary PPM (P6) image: starts with %r' % blob[:2])
    fields = []
    pos = 2
    while len(fields) < 3:
        if pos >= len(blob):
            raise ValueError('PPM header is truncated')
        c = blob[pos:pos + 1]
        if c == b'#':
            end = blob.find(b'\n', pos)
            if end < 0:
                raise ValueError('PPM header is truncated in a comment')
            pos = end + 1
        elif c.isspace():
            pos += 1
        else:
            start = pos
            while pos < len(blob) and blob[pos:pos + 1].isdigit():
                pos += 1
            if start == pos:
                raise ValueError('bad byte %r in PPM header at %d' % (c, pos))
            fields.append(int(blob[start:pos]))
    # Exactly one whitespace byte separates the header from the pixels.
    if pos >= len(blob) or not blob[pos:pos + 1].isspace():
        raise ValueError('PPM header does not end in whitespace')
    pos += 1
    width, height, maxval = fields
    if maxval != 255:
        raise ValueError('PPM maxval is %d; only 255 is supported' % maxval)
    if width <= 0 or height <= 0:
        raise ValueError('PPM size %dx%d is empty' % (width, height))
    need = width * height * 3
    if len(blob) - pos < need:
        raise ValueError('PPM pixel data is %d bytes, expected %d'
                         % (len(blob) - pos, need))
    return Image(width, height, blob[pos:pos + need])


def encode_ppm(image):
    return (b'P6\n%d %d\n255\n' % (image.width, image.height)) + image.data


def encode_png(image):
    """A plain RGB PNG (zlib is in the standard library, libpng is not)."""
    def chunk(kind, body):
        crc = zlib.crc32(kind + body) & 0xffffffff
        return struct.pack('>I', len(body)) + kind + body + struct.pack('>I', crc)

    stride = image.width * 3
    raw = bytearray()
    for y in range(image.height):
        raw.append(0)  # filter type: none
        raw += image.data[y * stride:(y + 1) * stride]
    header = struct.pack('>IIBBBBB', image.width, image.height, 8, 2, 0, 0, 0)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header)
            + chunk(b'IDAT', zlib.compress(bytes(raw), 6)) + chunk(b'IEND', b''))


# ---------------------------------------------------------------------------
# Pixel checks. Rectangles are (x, y, width, height).


def _aligned_find(row, needle, start=0):
    i = row.find(needle, start)
    while i >= 0 and i % 3:
        i = row.find(needle, i + 1)
    return i


def _aligned_rfind(row, needle):
    end = len(row)
    i = row.rfind(needle, 0, end)
    while i >= 0 and i % 3:
        end = i + 2  # allows a match starting before i
        i = row.rfind(needle, 0, end)
    return i


def bounding_box(image, rgb):
    """Smallest rectangle holding every pixel of exactly rgb, or None."""
    needle = bytes(rgb)
    left, right, top, bottom = image.width, -1, image.height, -1
    for y in range(image.height):
        row = image.row(y)
        first = _aligned_find(row, needle)
        if first < 0:
            continue
        last = _aligned_rfind(row, needle)
        left = min(left, first // 3)
        right = max(right, last // 3)
        top = min(top, y)
        bottom = y
    if right < 0:
        return None
    return (left, top, right - left + 1, bottom - top + 1)


def clip_rect(image, rect):
    x, y, w, h = rect
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(image.width, x + w), min(image.height, y + h)
    return (x0, y0, max(0, x1 - x0), max(0, y1 - y0))


def first_mismatch(image, rect, rgb):
    """First pixel in rect (row by row) that is not rgb: (x, y, value) or None."""
    x, y, w, h = clip_rect(image, rect)
    expected = bytes(rgb) * w
    for row_y in range(y, y + h):
        row = image.row(row_y, x, w)
        if row == expected:
            continue
        for i in range(w):
            value = tuple(row[i * 3:i * 3 + 3])
            if value != tuple(rgb):
                return (x + i, row_y, value)
    return None


def count_colour(image, rect, rgb):
    """Number of pixels in rect that are exactly rgb."""
    x, y, w, h = clip_rect(image, rect)
    needle = bytes(rgb)
    count = 0
    for row_y in range(y, y + h):
        row = image.row(row_y, x, w)
        i = _aligned_find(row, needle)
        while i >= 0:
            count += 1
            i = _aligned_find(row, needle, i + 3)
    return count


def count_different(image_a, image_b, rect):
    """Number of pixels in rect that differ between two same-sized images."""
    if (image_a.width, image_a.height) != (image_b.width, image_b.height):
        raise ValueError('images differ in size: %dx%d and %dx%d'
                         % (image_a.width, image_a.height,
                            image_b.width, image_b.height))
    x, y, w, h = clip_rect(image_a, rect)
    count = 0
    for row_y in range(y, y + h):
        row_a = image_a.row(row_y, x, w)
        row_b = image_b.row(row_y, x, w)
        if row_a == row_b:
            continue
        for i in range(0, w * 3, 3):
            if row_a[i:i + 3] != row_b[i:i + 3]:
                count += 1
    return count


def ring_sides(rect, thickness):
    """The four sides of a rectangular ring of the given thickness inside
    rect, as name -> rectangle. Corners belong to top and bottom."""
    x, y, w, h = rect
    t = thickness
    return {
        'top': (x, y, w, t),
        'bottom': (x, y + h - t, w, t),
        'left': (x, y + t, t, h - 2 * t),
        'right': (x + w - t, y + t, t, h - 2 * t),
    }


def check_ring(image, rect, thickness, rgb):
    """Checks that the ring of the given thickness at the edge of rect is all
    rgb. Returns a list of problems, one line per failing side (empty: ok)."""
    problems = []
    x, y, w, h = rect
    if w < 2 * thickness or h < 2 * thickness:
        return ['rectangle %dx%d is too small for a %d-pixel ring'
                % (w, h, thickness)]
    if clip_rect(image, rect) != tuple(rect):
        problems.append('rectangle %r is not entirely on the %dx%d image'
                        % (tuple(rect), image.width, image.height))
    for side, side_rect in ring_sides(rect, thickness).items():
        bad = first_mismatch(image, side_rect, rgb)
        if bad is not None:
            bx, by, value = bad
            problems.append('%s side: pixel (%d,%d) is %s, expected %s'
                            % (side, bx, by, colour_str(value), colour_str(rgb)))
    return problems


def inset(rect, by):
    x, y, w, h = rect
    return (x + by, y + by, w - 2 * by, h - 2 * by)


def first_mismatch_outside(image, rect, rgb):
    """First pixel outside rect that is not rgb: (x, y, value) or None."""
    x, y, w, h = rect
    regions = [
        (0, 0, image.width, y),
        (0, y, x, h),
        (x + w, y, image.width - x - w, h),
        (0, y + h, image.width, image.height - y - h),
    ]
    found = []
    for region in regions:
        bad = first_mismatch(image, region, rgb)
        if bad is not None:
            found.append(bad)
    if not found:
        return None
    return min(found, key=lambda p: (p[1], p[0]))


# ---------------------------------------------------------------------------
# Running the programs


def program(env_name):
    """Path of a program under test, as meson passes it in the environment."""
    path = os.environ.get(env_name)
    if not path:
        raise Failure('%s is not set: run the end-to-end tests through '
                      '"meson test -C BUILDDIR --suite e2e"' % env_name)
    if not os.access(path, os.X_OK):
        raise Failure('%s=%s is not an executable file' % (env_name, path))
    return path


def require_tool(name, package):
    path = shutil.which(name)
    if not path:
        raise Skip('%s is not installed (Debian package %s; scripts/install-deps '
                   'installs it)' % (name, package))
    return path


def _tail(path, lines=LOG_TAIL_LINES):
    try:
        with open(path, 'r', errors='replace') as f:
            content = f.read().splitlines()
    except OSError as e:
        return ['(cannot read %s: %s)' % (path, e)]
    if len(content) > lines:
        return ['... (%d lines before)' % (len(content) - lines)] + content[-lines:]
    return content


class Child:
    """A process started in its own session, so that killing its process
    group also ends what it started (the agent does not kill its command)."""

    def __init__(self, name, argv, env, log_dir):
        self.name = name
        self.argv = argv
        self.stdout_path = os.path.join(log_dir, name + '.stdout')
        self.stderr_path = os.path.join(log_dir, name + '.stderr')
        with open(self.stdout_path, 'wb') as out, open(self.stderr_path, 'wb') as err:
            self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=err,
                                         start_new_session=True)
        self.pid = self.proc.pid
        # Signals the harness sends (kill); a death by any other is a crash.
        # A test that kills a program on purpose adds its signal here.
        self.expected_signals = set()

    def running(self):
        return self.proc.poll() is None

    def printed_line(self, prefix):
        """The rest of the first complete stdout line starting with prefix,
        or None."""
        with open(self.stdout_path, 'r', errors='replace') as f:
            for line in f:
                if line.endswith('\n') and line.startswith(prefix):
                    return line[len(prefix):].strip()
        return None

    def wait_for_line(self, prefix, timeout):
        """Waits until the child prints a line starting with prefix on stdout;
        returns the rest of that line."""
        deadline = time.monotonic() + timeout
        while True:
            rest = self.printed_line(prefix)
            if rest is not None:
                return rest
            if not self.running():
                raise Failure('%s exited with status %s before printing %s...'
                              % (self.name, self.proc.returncode, prefix))
            if time.monotonic() > deadline:
                raise Failure('%s did not print %s... within %.0f s'
                              % (self.name, prefix, timeout))
            time.sleep(0.02)

    def describe_logs(self):
        lines = ['--- %s: %s (pid %d, %s)'
                 % (self.name, ' '.join(self.argv), self.pid,
                    'running' if self.running()
                    else 'exit status %s' % self.proc.returncode)]
        for label, path in (('stdout', self.stdout_path), ('stderr', self.stderr_path)):
            tail = _tail(path)
            if tail:
                lines.append('--- %s %s:' % (self.name, label))
                lines.extend('    ' + line for line in tail)
        return '\n'.join(lines)

    def kill(self):
        """Ends the whole process group: SIGTERM, then SIGKILL after 2 s."""
        for sig, grace in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
            if self.running():
                self.expected_signals.add(sig)
            try:
                os.killpg(self.pid, sig)
            except ProcessLookupError:
                pass
            except PermissionError:
                pass
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                continue
            # The leader is gone; make sure nothing it started lingers.
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            return


def _child_env(runtime_dir):
    env = dict(os.environ)
    for name in ('WAYLAND_DISPLAY', 'WAYLAND_SOCKET', 'DISPLAY'):
        env.pop(name, None)
    env['XDG_RUNTIME_DIR'] = runtime_dir
    env['WLR_BACKENDS'] = 'headless'
    env['WLR_RENDERER'] = 'pixman'
    env['WLR_LIBINPUT_NO_DEVICES'] = '1'
    # Leaks inside wlroots that mullion cannot free; see the file.
    suppressions = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                'sanitizer', 'lsan.supp')
    options = env.get('LSAN_OPTIONS', '')
    env['LSAN_OPTIONS'] = (options + ':' if options else '') + 'suppressions=' + suppressions
    # Whole stacks through libwlroots (built without frame pointers), so
    # that a suppression names the path that leaked, not just the library.
    options = env.get('ASAN_OPTIONS', '')
    env['ASAN_OPTIONS'] = (options + ':' if options else '') + 'fast_unwind_on_malloc=0'
    return env


def artifacts_dir():
    """Where failure artifacts go: MULLION_TEST_ARTIFACTS, else the meson
    log dir, else a kept temp dir."""
    path = os.environ.get('MULLION_TEST_ARTIFACTS')
    if not path and os.environ.get('MESON_BUILD_ROOT'):
        path = os.path.join(os.environ['MESON_BUILD_ROOT'], 'meson-logs')
    if not path:
        path = tempfile.mkdtemp(prefix='mullion-e2e-artifacts-')
    os.makedirs(path, exist_ok=True)
    return path


def read_text(path):
    """The text of a file a client writes (None while it does not exist)."""
    if not os.path.exists(path):
        return None
    with open(path, encoding='utf-8', errors='replace') as f:
        return f.read()


def wait_for_text(path, want, timeout=EVENT_TIMEOUT_S):
    """Waits until the file at path holds exactly want."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if read_text(path) == want:
            return
        time.sleep(0.05)
    raise Failure('%s holds %r, expected %r' % (os.path.basename(path), read_text(path), want))


def stand_in_frames(child):
    """The frame count a stand-in (mullion-test-hostile-agent) last
    printed: it prints 'frames N' every 30 frames."""
    counts = re.findall(r'^frames (\d+)$', read_text(child.stdout_path) or '', re.M)
    return int(counts[-1]) if counts else 0


def bridge_pid(compositor_pid, vm=None):
    """The pid of the compositor's child mullion-bridge (the one started
    with --vm vm, if vm is given); None while there is none."""
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            fields = read_text('/proc/%s/stat' % entry).rsplit(')', 1)[1].split()
            comm = read_text('/proc/%s/comm' % entry).strip()
            argv = read_text('/proc/%s/cmdline' % entry).split('\0')
        except (OSError, IndexError, AttributeError):
            continue
        if fields[1] != str(compositor_pid) or comm != 'mullion-bridge':
            continue
        if vm is None or ('--vm' in argv and argv[argv.index('--vm') + 1:][:1] == [vm]):
            return int(entry)
    return None


STATS_LINE = re.compile(r'mullion-stats:((?: \w+=\d+)+)')


def read_stats(name, pid, stderr_path, timeout=5.0):
    """Asks an agent or a bridge (pid, which writes to stderr_path) for its
    counters with SIGUSR1; returns the line it prints as {counter: int}
    (frames, bytes_copied, and shown where it counts them)."""
    def lines():
        return STATS_LINE.findall(read_text(stderr_path) or '')
    before = len(lines())
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = lines()
        if len(found) > before:
            return {key: int(value) for key, value in
                    (pair.split('=') for pair in found[-1].split())}
        time.sleep(0.02)
    raise Failure('%s (pid %d) printed no mullion-stats line within %.0f s of SIGUSR1'
                  % (name, pid, timeout))


class Events:
    """A test client's stdout (mullion-test-input-client prints one line
    per event), read line by line as the test goes."""

    def __init__(self, child, path=None):
        self.child = child
        self.path = path or child.stdout_path
        self.seen = 0

    def lines(self):
        with open(self.path, 'r', errors='replace') as f:
            return [line.rstrip('\n') for line in f if line.endswith('\n')]

    def mark(self):
        """Later waits look only at what is printed after this call."""
        self.seen = len(self.lines())

    def wait_for(self, *expected, timeout=EVENT_TIMEOUT_S):
        """Waits until every expected line has been printed, in this order,
        since the last mark; fails with what was printed instead."""
        deadline = time.monotonic() + timeout
        while True:
            new = self.lines()[self.seen:]
            i = 0
            for line in new:
                if i < len(expected) and line == expected[i]:
                    i += 1
            if i == len(expected):
                return new
            if not self.child.running() or time.monotonic() > deadline:
                raise Failure('the client did not print %r; since the action it '
                                'printed:\n  %s' % (expected[i],
                                                    '\n  '.join(new) or '(nothing)'))
            time.sleep(0.02)


class Session:
    """Everything one test starts, torn down (by pid) when it ends."""

    def __init__(self, name):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix='mullion-e2e-%s-' % name)
        self.log_dir = os.path.join(self.dir, 'logs')
        os.mkdir(self.log_dir)
        self.children = []
        self.compositor = None
        self.output_size = (1280, 720)
        self.runtime_dir = None
        self.wayland_display = None
        self.screenshots = []  # (label, Image)
        self.verbose = os.environ.get('MULLION_TEST_QUIET') is None

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def _private_dir(self, name):
        """The test's folder name, made once (a VM that restarts gets
        the same one again)."""
        path = self.path(name)
        if not os.path.isdir(path):
            os.mkdir(path, 0o700)
        os.chmod(path, 0o700)  # whatever the umask says
        return path

    def _child_name(self, name):
        """name, or name-2, name-3... for a VM's later programs, so that
        every program keeps its own logs."""
        taken = {child.name for child in self.children}
        n = 1
        unique = name
        while unique in taken:
            n += 1
            unique = '%s-%d' % (name, n)
        return unique

    def start_compositor(self, config_text, size=(1280, 720), bridge=None,
                         extra_env=None):
        """Starts mullion; bridge replaces mullion-bridge (a test stand-in),
        extra_env is added to the environment it and its bridges get."""
        mullion = program('MULLION')
        config_path = self.path('mullion.conf')
        with open(config_path, 'w') as f:
            f.write(config_text)
        self.runtime_dir = self._private_dir('dom0-runtime')
        env = _child_env(self.runtime_dir)
        env['MULLION_BRIDGE'] = bridge or program('MULLION_BRIDGE')
        env.update(extra_env or {})
        argv = [mullion, '-c', config_path, '-o', '%dx%d' % size]
        if self.verbose:
            argv.append('-v')
        self.output_size = size
        self.compositor = Child('mullion', argv, env, self.log_dir)
        self.children.append(self.compositor)
        self.wayland_display = self.compositor.wait_for_line(
            'WAYLAND_DISPLAY=', READY_TIMEOUT_S)
        log('compositor ready: WAYLAND_DISPLAY=%s (pid %d, %dx%d)'
            % (self.wayland_display, self.compositor.pid, size[0], size[1]))
        return self.compositor

    def vm_config(self, label, vm='work', border=None, background=None):
        """A config with one VM whose vchan is vchan_dir(vm), and a
        [general] section when border or background is given."""
        lines = []
        if border is not None or background is not None:
            lines.append('[general]')
            if border is not None:
                lines.append('border-width = %d' % border)
            if background is not None:
                lines.append('background = %s' % background)
            lines.append('')
        lines += ['[vm %s]' % vm, 'label = %s' % label,
                  'vchan = socket:%s' % self.vchan_dir(vm), '']
        return '\n'.join(lines)

    def vchan_dir(self, vm):
        """The socket folder a VM's agent listens in (created here)."""
        path = self.path('vchan-' + vm)
        if not os.path.isdir(path):
            os.mkdir(path, 0o700)
        return path

    def start_agent(self, vm, command, pool_mib=None, wait_ready=True):
        """Starts mullion-agent for vm running command. With wait_ready,
        waits for its WAYLAND_DISPLAY line."""
        agent = program('MULLION_AGENT')
        runtime_dir = self._private_dir('vm-%s-runtime' % vm)
        env = _child_env(runtime_dir)
        argv = [agent, '--vchan', 'socket:' + self.vchan_dir(vm)]
        if pool_mib is not None:
            argv += ['--pool-mib', str(pool_mib)]
        if self.verbose:
            argv.append('-v')
        argv += ['--'] + list(command)
        child = Child(self._child_name('agent-' + vm), argv, env, self.log_dir)
        self.children.append(child)
        if not wait_ready:
            log('agent for VM %r started (pid %d), running %s'
                % (vm, child.pid, ' '.join(command)))
            return child
        display = child.wait_for_line('WAYLAND_DISPLAY=', READY_TIMEOUT_S)
        log('agent for VM %r ready: WAYLAND_DISPLAY=%s (pid %d), running %s'
            % (vm, display, child.pid, ' '.join(command)))
        return child

    def start_vm_program(self, vm, argv, ready_line=None):
        """Starts argv in vm's place, as start_agent starts the agent: its
        own runtime dir, logs named 'vm-VM'. A stand-in finds its vchan
        with vchan_dir(vm). With ready_line, waits until it prints a line
        starting with that."""
        env = _child_env(self._private_dir('vm-%s-runtime' % vm))
        child = Child(self._child_name('vm-' + vm), list(argv), env, self.log_dir)
        self.children.append(child)
        if ready_line is not None:
            child.wait_for_line(ready_line, READY_TIMEOUT_S)
        return child

    def start_stand_in(self, vm, case, *extra):
        """Starts mullion-test-hostile-agent in vm's place running case
        (extra: more of its options); returns it once it listens."""
        argv = [program('MULLION_TEST_HOSTILE_AGENT'), '--vchan', 'socket:' + self.vchan_dir(vm),
                '--case', case] + list(extra)
        return self.start_vm_program(vm, argv, ready_line='listening')

    def dom0_env(self):
        """Environment of a trusted dom0 client of the compositor."""
        if not self.wayland_display:
            raise Failure('the compositor is not running')
        env = _child_env(self.runtime_dir)
        env['WAYLAND_DISPLAY'] = self.wayland_display
        return env

    def check_alive(self):
        """Fails if the compositor died: every later message would be noise."""
        if self.compositor and not self.compositor.running():
            raise Failure('the compositor exited with status %s'
                          % self.compositor.proc.returncode)

    def toplevels(self, wait_prefix=None, count=None, timeout=None, app_ids=False):
        """Runs mullion-test-toplevels; returns (exit status, titles, stderr).
        With app_ids, each title is "APP_ID\tTITLE" ('' for no app id)."""
        argv = [program('MULLION_TOPLEVELS')]
        if app_ids:
            argv.append('--app-ids')
        if wait_prefix is not None:
            argv += ['--wait-prefix', wait_prefix]
        if count is not None:
            argv += ['--count', str(count)]
        if timeout is not None:
            argv += ['--timeout', str(timeout)]
        limit = (timeout or 0) + 10
        try:
            result = subprocess.run(argv, env=self.dom0_env(), stdin=subprocess.DEVNULL,
                                    capture_output=True, timeout=limit)
        except subprocess.TimeoutExpired:
            raise Failure('mullion-test-toplevels did not finish within %d s' % limit)
        titles = result.stdout.decode('utf-8', 'replace').splitlines()
        return result.returncode, titles, result.stderr.decode('utf-8', 'replace')

    def wait_for_title(self, prefix, timeout):
        """Waits for a toplevel whose title starts with prefix; returns titles."""
        status, titles, err = self.toplevels(wait_prefix=prefix, timeout=timeout)
        if status != 0:
            self.check_alive()
            raise Failure('no toplevel titled %r... within %s s (exit status %d):\n%s'
                          % (prefix, timeout, status, err.rstrip()))
        return titles

    def wait_for_window(self, rgb, border, timeout):
        """Waits until a VM window framed in colour rgb is on screen; returns
        the rectangle (x, y, w, h) of its content, inside the border-pixel
        frame and below the title bar."""
        deadline = time.monotonic() + timeout
        while True:
            shot = self.screenshot('find-window')
            box = bounding_box(shot, rgb)
            if (box is not None and box[2] > 2 * border and
                    box[3] > 2 * border + TITLE_BAR_HEIGHT):
                x, y, w, h = inset(box, border)
                return (x, y + TITLE_BAR_HEIGHT, w, h - TITLE_BAR_HEIGHT)
            if time.monotonic() > deadline:
                raise Failure('no window framed in %s on screen within %s s'
                              % (colour_str(rgb), timeout))
            time.sleep(0.2)

    def _dom0_tool(self, argv, what):
        try:
            result = subprocess.run(argv, env=self.dom0_env(), stdin=subprocess.DEVNULL,
                                    capture_output=True, timeout=20)
        except subprocess.TimeoutExpired:
            raise Failure('%s did not finish within 20 s' % what)
        if result.returncode != 0:
            self.check_alive()
            raise Failure('%s failed with status %d: %s'
                          % (what, result.returncode,
                             result.stderr.decode('utf-8', 'replace').strip()))

    def pointer(self, *args):
        """Runs mullion-test-pointer (virtual pointer, as a dom0 client)."""
        size = '%dx%d' % self.output_size
        self._dom0_tool([program('MULLION_TEST_POINTER'), '--size', size] + [str(a) for a in args],
                        'mullion-test-pointer %s' % ' '.join(str(a) for a in args))

    def click(self, x, y, button='left'):
        self.pointer('click', x, y, button)

    def type_text(self, text):
        """Types text from dom0 with wtype (virtual keyboard protocol)."""
        wtype = require_tool('wtype', 'wtype')
        self._dom0_tool([wtype, '--', text], 'wtype %r' % text)

    def type_keys(self, *keys):
        wtype = require_tool('wtype', 'wtype')
        argv = [wtype]
        for key in keys:
            argv += ['-k', key]
        self._dom0_tool(argv, 'wtype %s' % ' '.join(keys))

    def screenshot(self, label, cursor=False):
        """Takes a screenshot with grim as a dom0 client (with the pointer
        drawn in if cursor); returns an Image."""
        grim = require_tool('grim', 'grim')
        path = self.path('%s-%s.ppm' % (self.name, label))
        argv = [grim, '-t', 'ppm'] + (['-c'] if cursor else []) + [path]
        try:
            result = subprocess.run(argv, env=self.dom0_env(),
                                    stdin=subprocess.DEVNULL, capture_output=True,
                                    timeout=10)
        except subprocess.TimeoutExpired:
            raise Failure('grim did not finish within 10 s')
        if result.returncode != 0:
            self.check_alive()
            raise Failure('grim failed with status %d: %s'
                          % (result.returncode,
                             result.stderr.decode('utf-8', 'replace').strip()))
        with open(path, 'rb') as f:
            image = parse_ppm(f.read())
        self.screenshots.append((label, image))
        return image

    def save_artifacts(self):
        """Saves every screenshot of this test as PNG; returns the paths."""
        saved = []
        if not self.screenshots:
            return saved
        folder = artifacts_dir()
        for label, image in self.screenshots:
            path = os.path.join(folder, 'mullion-e2e-%s-%s.png' % (self.name, label))
            try:
                with open(path, 'wb') as f:
                    f.write(encode_png(image))
            except (OSError, zlib.error):
                path = path[:-4] + '.ppm'
                with open(path, 'wb') as f:
                    f.write(encode_ppm(image))
            saved.append(path)
        return saved

    def save_logs(self):
        """Copies every child's full stdout and stderr next to the
        screenshots (the failure message shows only their last lines)."""
        saved = []
        if not self.children:
            return saved
        folder = artifacts_dir()
        for child in self.children:
            for path in (child.stdout_path, child.stderr_path):
                target = os.path.join(folder, 'mullion-e2e-%s-%s'
                                      % (self.name, os.path.basename(path)))
                try:
                    shutil.copyfile(path, target)
                except OSError:
                    continue
                saved.append(target)
        return saved

    def describe_children(self):
        return '\n'.join(child.describe_logs() for child in self.children)

    def sanitizer_reports(self):
        """Stops every child and returns the AddressSanitizer and UBSan
        errors in their logs (a bridge's go to the compositor's stderr).
        A crashed bridge is restarted, so a test can pass through one: only
        the log tells. Leak reports are left out: wlroots 0.15 leaks a few
        bytes at exit in the compositor and the agent."""
        for child in reversed(self.children):
            child.kill()
        reports = []
        for child in self.children:
            with open(child.stderr_path, 'r', errors='replace') as f:
                for line in f:
                    if ('ERROR: AddressSanitizer' in line or
                            'runtime error:' in line):
                        reports.append('%s: %s' % (child.name, line.strip()))
        return reports

    def crashed_programs(self):
        """The programs of this test that died of a signal they did not
        get from the harness (a crash, even one during shutdown)."""
        crashed = []
        for child in self.children:
            code = child.proc.returncode
            if code is not None and code < 0 and -code not in child.expected_signals:
                crashed.append('%s (pid %d) died of signal %d' % (child.name, child.pid, -code))
        return crashed

    def close(self, failed):
        """Ends every program; returns the ones that crashed."""
        # Read the logs after the kill: a dying child may say why.
        for child in reversed(self.children):
            child.kill()
        crashed = self.crashed_programs()
        if crashed:
            log('FAIL: %s' % '; '.join(crashed))
            failed = True
        if failed:
            if self.children:
                log(self.describe_children())
            for path in self.save_artifacts():
                log('saved screenshot: %s' % path)
            logs = self.save_logs()
            if logs:
                log('saved full logs in %s' % os.path.dirname(logs[0]))
        if os.environ.get('MULLION_TEST_KEEP'):
            log('kept test directory: %s' % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        return crashed


def _raise_exit(signum, frame):
    # meson sends SIGTERM on timeout: unwind so every child gets killed.
    raise SystemExit('killed by signal %d' % signum)


def run(name, test):
    """Runs test(session) and exits with meson's status: 0, 1 or 77."""
    signal.signal(signal.SIGTERM, _raise_exit)
    signal.signal(signal.SIGINT, _raise_exit)
    session = Session(name)
    status = EXIT_FAIL
    try:
        test(session)
        reports = session.sanitizer_reports()
        if reports:
            raise Failure('sanitizer errors in the programs\' logs:\n  %s'
                          % '\n  '.join(reports))
        status = EXIT_PASS
    except Skip as e:
        log('SKIP: %s' % e)
        status = EXIT_SKIP
    except Failure as e:
        log('FAIL: %s' % e)
    except SystemExit as e:
        log('FAIL: %s' % (e.code,))
    except Exception:
        log('FAIL: unexpected error in the test:\n%s' % traceback.format_exc())
    finally:
        try:
            if session.close(failed=status == EXIT_FAIL):
                status = EXIT_FAIL
        except Exception:
            log('error while cleaning up:\n%s' % traceback.format_exc())
    if status == EXIT_PASS:
        log('PASS')
    sys.exit(status)


# ---------------------------------------------------------------------------
# The checks above decide pass or fail, so they are tested too, on synthetic
# images: python3 mullion_harness.py --self-test


def _self_test():
    bg, label, other = (0x20, 0x20, 0x20), (0x75, 0x50, 0x7b), (0x10, 0x80, 0xf0)
    frame = (100, 50, 258, 258)
    image = Image.filled(640, 400, bg).with_rect(frame, label)
    content = inset(frame, 4)
    image = image.with_rect(content, other)
    # A pixel pair whose bytes spell the label colour across a pixel
    # boundary must not count: (.., 0x75, 0x50) (0x7b, .., ..).
    image = image.with_rect((10, 10, 1, 1), (0x00, 0x75, 0x50))
    image = image.with_rect((11, 10, 1, 1), (0x7b, 0x00, 0x00))

    blob = b'P6\n# made by hand\n640 400\n# two\n255\n' + image.data
    parsed = parse_ppm(blob)
    assert (parsed.width, parsed.height) == (640, 400)
    assert parsed.data == image.data
    assert parse_ppm(encode_ppm(image)).data == image.data
    for broken in (b'P5\n1 1\n255\n\0', b'P6\n2 2\n255\n' + b'\0' * 11,
                   b'P6\n1 1\n65535\n' + b'\0' * 6, b'P6\n1'):
        try:
            parse_ppm(broken)
        except ValueError:
            pass
        else:
            raise AssertionError('parse_ppm accepted %r' % broken)

    assert bounding_box(image, label) == frame, bounding_box(image, label)
    assert bounding_box(image, (1, 2, 3)) is None
    assert check_ring(image, frame, 4, label) == []
    assert check_ring(image, frame, 5, label)  # the fifth row is content
    assert count_colour(image, content, bg) == 0
    assert count_colour(image, content, other) == 250 * 250
    assert first_mismatch_outside(image, frame, bg) == (10, 10, (0x00, 0x75, 0x50))

    dented = image.with_rect((100 + 257, 50 + 100, 1, 1), bg)
    problems = check_ring(dented, frame, 4, label)
    assert len(problems) == 1 and problems[0].startswith('right side: pixel (357,150)'), \
        problems
    gap = image.with_rect((150, 52, 3, 1), other)
    assert check_ring(gap, frame, 4, label)[0].startswith('top side: pixel (150,52)')

    changed = image.with_rect((200, 100, 10, 10), bg)
    assert count_different(image, changed, content) == 100
    assert count_different(image, changed, (0, 0, 50, 50)) == 0
    assert count_different(image, image, (0, 0, 640, 400)) == 0

    png = encode_png(image)
    assert png[:8] == b'\x89PNG\r\n\x1a\n'
    width, height = struct.unpack('>II', png[16:24])
    assert (width, height) == (640, 400)
    idat_len = struct.unpack('>I', png[33:37])[0]
    raw = zlib.decompress(png[41:41 + idat_len])
    assert len(raw) == 400 * (1 + 640 * 3)
    assert raw[1 + 640 * 3 * 0:1 + 3] == bytes(bg)

    assert parse_colour('#75507b') == label and colour_str(label) == '#75507b'
    log('harness self-test: all checks passed')


if __name__ == '__main__':
    if sys.argv[1:] == ['--self-test']:
        _self_test()
    else:
        print('usage: mullion_harness.py --self-test', file=sys.stderr)
        sys.exit(2)
