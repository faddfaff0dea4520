/*
 * The config parser: defaults, a full file read back field by field, and
 * every refusal with the exact "NAME:LINE: message" it must print, since
 * that line is all an administrator gets when the compositor will not
 * start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "compositor/config.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static char error[CONFIG_ERROR_MAX];

static struct config *load(const char *text)
{
	memset(error, 'x', sizeof(error));
	return config_load_string(text, "t.conf", error, sizeof(error));
}

/* Loads text that must be refused, and checks the message. */
static void expect_error(const char *text, const char *message)
{
	struct config *config = load(text);
	if (config != NULL || strcmp(error, message) != 0) {
		print_error("input:\n%s\nexpected: %s\ngot: %s\n", text, message,
			config != NULL ? "(accepted)" : error);
		config_destroy(config);
		fail();
	}
}

static struct config *expect_ok(const char *text)
{
	struct config *config = load(text);
	if (config == NULL) {
		print_error("input:\n%s\nrefused: %s\n", text, error);
		fail();
	}
	return config;
}

static const struct config_label *label(const struct config *config, const char *name)
{
	for (size_t i = 0; i < config->label_count; i++) {
		if (strcmp(config->labels[i].name, name) == 0) {
			return &config->labels[i];
		}
	}
	return NULL;
}

static void assert_combo(const struct config_key_combo *combo, uint32_t modifiers,
	xkb_keysym_t keysym)
{
	assert_int_equal(combo->modifiers, modifiers);
	assert_int_equal(combo->keysym, keysym);
}

static void check_defaults(const struct config *config)
{
	static const struct config_label expected[] = {
		{ "red", 0xcc0000 },
		{ "orange", 0xf57900 },
		{ "yellow", 0xedd400 },
		{ "green", 0x73d216 },
		{ "gray", 0x555555 },
		{ "blue", 0x3465a4 },
		{ "purple", 0x75507b },
		{ "black", 0x000000 },
	};
	assert_int_equal(config->label_count, ARRAY_LEN(expected));
	for (size_t i = 0; i < ARRAY_LEN(expected); i++) {
		assert_string_equal(config->labels[i].name, expected[i].name);
		assert_int_equal(config->labels[i].rgb, expected[i].rgb);
	}
	assert_int_equal(config->border_width, 4);
	assert_int_equal(config->background_rgb, 0x202020);
	assert_int_equal(config->output_scale, 1);
	assert_combo(&config->keys.secure_attention, CONFIG_MOD_CTRL | CONFIG_MOD_ALT,
		XKB_KEY_Escape);
	assert_combo(&config->keys.copy, CONFIG_MOD_CTRL | CONFIG_MOD_SHIFT, XKB_KEY_c);
	assert_combo(&config->keys.paste, CONFIG_MOD_CTRL | CONFIG_MOD_SHIFT, XKB_KEY_v);
	assert_int_equal(config->vm_count, 0);
	assert_true(wl_list_empty(&config->vms));
	/* No [keyboard] names: xkbcommon follows XKB_DEFAULT_*. */
	assert_string_equal(config->keyboard.layout, "");
	assert_string_equal(config->keyboard.variant, "");
	assert_string_equal(config->keyboard.options, "");
	assert_string_equal(config->keyboard.model, "");
}

static void test_defaults(void **state)
{
	struct config *config = config_create_default();
	assert_non_null(config);
	check_defaults(config);
	config_destroy(config);

	/* An empty file, or one of comments only, changes nothing. */
	config = expect_ok("");
	check_defaults(config);
	config_destroy(config);
	config = expect_ok("; nothing\n# here\n\n   \n");
	check_defaults(config);
	config_destroy(config);

	config_destroy(NULL);
}

static const char full_file[] =
	"[general]\n"
	"border-width = 7\n"
	"background = #0A0b0C\n"
	"\n"
	"[vm work]\n"
	"label = blue\n"
	"vchan = socket:/run/mullion/work\n"
	"buffers = shm, dmabuf-linear\n"
	"snapshot = yes\n"
	"fullscreen = deny\n"
	"max-windows = 4096\n"
	"max-buffer-mib = 1\n"
	"titles = utf8\n"
	"\n"
	"[vm untrusted-1]\n"
	"vchan = xen:12\n"
	"label = red\n"
	"\n"
	"[keys]\n"
	"secure-attention = Super+Pause\n"
	"copy = ctrl+Insert\n"
	"paste = Shift+Insert\n";

static void test_full_file(void **state)
{
	struct config *config = expect_ok(full_file);
	assert_int_equal(config->border_width, 7);
	assert_int_equal(config->background_rgb, 0x0a0b0c);
	assert_combo(&config->keys.secure_attention, CONFIG_MOD_LOGO, XKB_KEY_Pause);
	assert_combo(&config->keys.copy, CONFIG_MOD_CTRL, XKB_KEY_Insert);
	assert_combo(&config->keys.paste, CONFIG_MOD_SHIFT, XKB_KEY_Insert);
	assert_int_equal(config->label_count, 8);
	assert_int_equal(config->vm_count, 2);
	assert_int_equal(wl_list_length(&config->vms), 2);

	struct config_vm *work = wl_container_of(config->vms.next, work, link);
	struct config_vm *untrusted = wl_container_of(work->link.next, untrusted, link);
	assert_ptr_equal(untrusted->link.next, &config->vms);

	assert_string_equal(work->name, "work");
	assert_string_equal(work->label, "blue");
	assert_int_equal(work->rgb, 0x3465a4);
	assert_int_equal(work->vchan.backend, VCHAN_BACKEND_SOCKET);
	assert_string_equal(work->vchan.socket_dir, "/run/mullion/work");
	assert_int_equal(work->buffers, CONFIG_BUFFERS_SHM | CONFIG_BUFFERS_DMABUF_LINEAR);
	assert_true(work->snapshot);
	assert_false(work->allow_fullscreen);
	assert_int_equal(work->max_windows, 4096);
	assert_int_equal(work->max_buffer_mib, 1);
	assert_true(work->utf8_titles);

	assert_string_equal(untrusted->name, "untrusted-1");
	assert_string_equal(untrusted->label, "red");
	assert_int_equal(untrusted->rgb, 0xcc0000);
	assert_int_equal(untrusted->vchan.backend, VCHAN_BACKEND_XEN);
	assert_int_equal(untrusted->vchan.domid, 12);
	/* Defaults for what the section leaves out. */
	assert_int_equal(untrusted->buffers, CONFIG_BUFFERS_SHM);
	assert_false(untrusted->snapshot);
	assert_false(untrusted->allow_fullscreen);
	assert_int_equal(untrusted->max_windows, 256);
	assert_int_equal(untrusted->max_buffer_mib, 512);
	assert_false(untrusted->utf8_titles);

	assert_ptr_equal(config_find_vm(config, "work"), work);
	assert_ptr_equal(config_find_vm(config, "untrusted-1"), untrusted);
	assert_null(config_find_vm(config, "Work"));
	assert_null(config_find_vm(config, "nope"));
	assert_null(config_find_vm(NULL, "work"));
	config_destroy(config);
}

static void test_buffers_forms(void **state)
{
	struct config *config = expect_ok(
		"[vm a]\nlabel = red\nvchan = xen:1\nbuffers = dmabuf-linear\n"
		"[vm b]\nlabel = red\nvchan = xen:2\n"
		"buffers=dmabuf-linear,shm\n"
		"[vm c]\nlabel = red\nvchan = xen:3\nbuffers = shm\n");
	static const uint32_t expected[] = {
		CONFIG_BUFFERS_DMABUF_LINEAR,
		CONFIG_BUFFERS_SHM | CONFIG_BUFFERS_DMABUF_LINEAR,
		CONFIG_BUFFERS_SHM,
	};
	size_t i = 0;
	struct config_vm *vm;
	wl_list_for_each(vm, &config->vms, link) {
		assert_int_equal(vm->buffers, expected[i]);
		i++;
	}
	assert_int_equal(i, 3);
	config_destroy(config);
}

static void test_comments_and_whitespace(void **state)
{
	char long_comment[600];
	memset(long_comment, '-', sizeof(long_comment));
	memcpy(long_comment, "; ", 2);
	long_comment[sizeof(long_comment) - 1] = '\0';

	char text[2048];
	snprintf(text, sizeof(text),
		"\xef\xbb\xbf; a byte order mark, then comments\r\n"
		"# hash comment\n"
		"%s\n"
		"   [ general ]   ; inline after a header\n"
		"\tborder-width\t=\t9\t; tabs everywhere\n"
		"  background = #ABCDEF ; colour before an inline comment\n"
		"[vm  spaced ]\r\n"
		"    label = green\n"
		"    vchan = socket:/run/x/  ; indented keys are keys, never continuations\n"
		"    max-windows = 12 %s\n"
		"[keys]\n"
		"paste=Ctrl+Shift+v;no space, so part of nothing: checked\n",
		long_comment, long_comment);
	/* The last line must be refused: ';' needs whitespace before it to
	 * start a comment, so the keysym "v;no space..." is bad. */
	expect_error(text,
		"t.conf:12: paste: 'Ctrl+Shift+v;no space, so part of nothing: checked': key is not an xkb keysym name");

	/* Without it the file loads, every value read without its
	 * comment. */
	char *last = strstr(text, "paste=");
	assert_non_null(last);
	strcpy(last, "paste = Ctrl+Shift+v\n");
	struct config *config = expect_ok(text);
	assert_int_equal(config->border_width, 9);
	assert_int_equal(config->background_rgb, 0xabcdef);
	const struct config_vm *vm = config_find_vm(config, "spaced");
	assert_non_null(vm);
	assert_string_equal(vm->label, "green");
	assert_int_equal(vm->rgb, 0x73d216);
	assert_string_equal(vm->vchan.socket_dir, "/run/x");
	assert_int_equal(vm->max_windows, 12);
	config_destroy(config);

	/* No final newline. */
	config = expect_ok("[general]\nborder-width = 2");
	assert_int_equal(config->border_width, 2);
	config_destroy(config);

	config = expect_ok("[general]\noutput-scale = 2\n");
	assert_int_equal(config->output_scale, 2);
	config_destroy(config);
}

static void test_label_overrides_default(void **state)
{
	struct config *config = expect_ok(
		"[vm work]\n"
		"label = blue\n"
		"vchan = xen:3\n"
		"[labels]\n"
		"blue = #0000ff\n");
	/* Same place in the table, new colour, and the VM sees the new one
	 * although it came first. */
	assert_int_equal(config->label_count, 8);
	assert_string_equal(config->labels[5].name, "blue");
	assert_int_equal(config->labels[5].rgb, 0x0000ff);
	assert_int_equal(config_find_vm(config, "work")->rgb, 0x0000ff);
	assert_int_equal(label(config, "red")->rgb, 0xcc0000);
	config_destroy(config);
}

static void test_label_defined_after_use(void **state)
{
	struct config *config = expect_ok(
		"[vm banking]\n"
		"label = teal\n"
		"vchan = socket:/run/mullion/banking\n"
		"[vm mail]\n"
		"label = orange\n"
		"vchan = socket:/run/mullion/mail\n"
		"[labels]\n"
		"teal = #008080\n");
	assert_int_equal(config->label_count, 9);
	assert_int_equal(label(config, "teal")->rgb, 0x008080);
	assert_int_equal(config_find_vm(config, "banking")->rgb, 0x008080);
	assert_int_equal(config_find_vm(config, "mail")->rgb, 0xf57900);
	config_destroy(config);
}

static void test_label_limit(void **state)
{
	/* 8 built in + 24 new = CONFIG_MAX_LABELS; one more is refused. */
	char text[2048] = "[labels]\n";
	for (int i = 0; i < CONFIG_MAX_LABELS - 8; i++) {
		char line[32];
		snprintf(line, sizeof(line), "l%d = #%06x\n", i, i);
		strcat(text, line);
	}
	struct config *config = expect_ok(text);
	assert_int_equal(config->label_count, CONFIG_MAX_LABELS);
	assert_int_equal(label(config, "l23")->rgb, 23);
	config_destroy(config);

	/* Redefining a built-in one at the limit is still fine. */
	strcat(text, "red = #ff0000\n");
	config = expect_ok(text);
	assert_int_equal(label(config, "red")->rgb, 0xff0000);
	config_destroy(config);

	strcat(text, "one-too-many = #ffffff\n");
	expect_error(text, "t.conf:27: too many labels (at most 32)");
}

static void test_keys_swapped(void **state)
{
	/* Checked at the end, so an exchange in two steps is fine. */
	struct config *config = expect_ok("[keys]\ncopy = Ctrl+Shift+v\npaste = Ctrl+Shift+c\n");
	assert_combo(&config->keys.copy, CONFIG_MOD_CTRL | CONFIG_MOD_SHIFT, XKB_KEY_v);
	assert_combo(&config->keys.paste, CONFIG_MOD_CTRL | CONFIG_MOD_SHIFT, XKB_KEY_c);
	config_destroy(config);

	config = expect_ok("[keys]\nsecure-attention = Pause\n");
	assert_combo(&config->keys.secure_attention, 0, XKB_KEY_Pause);
	config_destroy(config);

	/* Every modifier, and a keysym in the wrong case. */
	config = expect_ok("[keys]\ncopy = logo+Alt+SHIFT+ctrl+f12\n");
	assert_combo(&config->keys.copy,
		CONFIG_MOD_CTRL | CONFIG_MOD_ALT | CONFIG_MOD_SHIFT | CONFIG_MOD_LOGO, XKB_KEY_F12);
	config_destroy(config);
}

struct error_case {
	const char *text;
	const char *message;
};

#define VM_OK "label = red\nvchan = xen:1\n"

static const struct error_case error_cases[] = {
	/* Sections. */
	{ "[general]\n[bogus]\n", "t.conf:2: unknown section [bogus]" },
	{ "\n[VM work]\n", "t.conf:2: unknown section [VM work]" },
	{ "[general]\n[general]\n", "t.conf:2: duplicate section [general] (first on line 1)" },
	{ "[labels]\n[keys]\n\n[labels]\n",
		"t.conf:4: duplicate section [labels] (first on line 1)" },
	{ "[vm a]\n" VM_OK "[vm a]\n" VM_OK,
		"t.conf:4: duplicate section [vm a] (first on line 1)" },
	{ "[vm]\n", "t.conf:1: bad VM name '' (1..31 characters of A-Z a-z 0-9 _ -)" },
	{ "[vm a.b]\n", "t.conf:1: bad VM name 'a.b' (1..31 characters of A-Z a-z 0-9 _ -)" },
	{ "[vm two words]\n",
		"t.conf:1: bad VM name 'two words' (1..31 characters of A-Z a-z 0-9 _ -)" },
	{ "[vm abcdefghijabcdefghijabcdefghijXY]\n",
		"t.conf:1: bad VM name 'abcdefghijabcdefghijabcdefghijXY' (1..31 characters of A-Z a-z 0-9 _ -)" },
	{ "[general\n", "t.conf:1: missing ']' in section header" },
	{ "[general] extra\n", "t.conf:1: unexpected text after ']'" },
	{ "border-width = 4\n", "t.conf:1: key 'border-width' before any [section]" },
	/* Line shapes. */
	{ "[general]\nborder-width 4\n", "t.conf:2: expected 'key = value' or '[section]'" },
	{ "[general]\nborder-width: 4\n", "t.conf:2: expected 'key = value' or '[section]'" },
	{ "[general]\n = 4\n", "t.conf:2: missing key name before '='" },
	/* Keys. */
	{ "[general]\nborder-width = 4\nborder = 4\n",
		"t.conf:3: unknown key 'border' in [general]" },
	{ "[vm a]\n" VM_OK "colour = red\n", "t.conf:4: unknown key 'colour' in [vm a]" },
	{ "[keys]\nsecure_attention = Pause\n",
		"t.conf:2: unknown key 'secure_attention' in [keys]" },
	{ "[general]\nborder-width = 4\n\nborder-width = 5\n",
		"t.conf:4: duplicate key 'border-width' in [general] (first on line 2)" },
	{ "[vm a]\n" VM_OK "label = blue\n",
		"t.conf:4: duplicate key 'label' in [vm a] (first on line 2)" },
	{ "[labels]\nteal = #008080\nteal = #008080\n",
		"t.conf:3: duplicate key 'teal' in [labels] (first on line 2)" },
	{ "[labels]\nred = #ff0000\nred = #ee0000\n",
		"t.conf:3: duplicate key 'red' in [labels] (first on line 2)" },
	{ "[keys]\ncopy = Ctrl+c\ncopy = Ctrl+c\n",
		"t.conf:3: duplicate key 'copy' in [keys] (first on line 2)" },
	/* Colours. */
	{ "[general]\nbackground = 202020\n",
		"t.conf:2: background: '202020' is not a colour (expected #rrggbb)" },
	{ "[general]\nbackground = #20202\n",
		"t.conf:2: background: '#20202' is not a colour (expected #rrggbb)" },
	{ "[general]\nbackground = #2020200\n",
		"t.conf:2: background: '#2020200' is not a colour (expected #rrggbb)" },
	{ "[general]\nbackground = #20202g\n",
		"t.conf:2: background: '#20202g' is not a colour (expected #rrggbb)" },
	{ "[labels]\nred = #fff\n", "t.conf:2: red: '#fff' is not a colour (expected #rrggbb)" },
	{ "[labels]\nred = \n", "t.conf:2: red: '' is not a colour (expected #rrggbb)" },
	{ "[labels]\nbad.name = #ffffff\n",
		"t.conf:2: bad label name 'bad.name' (1..31 characters of A-Z a-z 0-9 _ -)" },
	/* Labels. */
	{ "[vm a]\nvchan = xen:1\n\nlabel = pink\n",
		"t.conf:4: label 'pink' of VM a is not defined in [labels]" },
	{ "[vm a]\n" VM_OK "[vm b]\nlabel = pink\nvchan = xen:2\n"
	  "[labels]\npinkish = #ff00ff\n",
		"t.conf:5: label 'pink' of VM b is not defined in [labels]" },
	{ "[vm a]\nlabel = no such\n", "t.conf:2: label: 'no such' is not a label name" },
	/* Required keys, reported at the section header. */
	{ "[vm a]\nvchan = xen:1\n[keys]\n", "t.conf:1: [vm a]: missing required key 'label'" },
	{ "\n[vm a]\nlabel = red\n", "t.conf:2: [vm a]: missing required key 'vchan'" },
	{ "[vm a]\n" VM_OK "[vm b]\n", "t.conf:4: [vm b]: missing required key 'label'" },
	/* vchan. */
	{ "[vm a]\nlabel = red\nvchan = socket:run/x\n",
		"t.conf:3: vchan: 'socket:run/x' is not a vchan address (expected socket:/absolute/dir or xen:DOMID)" },
	{ "[vm a]\nlabel = red\nvchan = xen:0\n",
		"t.conf:3: vchan: 'xen:0' is dom0, not a VM (expected xen:1 or above)" },
	{ "[vm a]\nlabel = red\nvchan = xen:00\n",
		"t.conf:3: vchan: 'xen:00' is not a vchan address (expected socket:/absolute/dir or xen:DOMID)" },
	{ "[vm a]\nlabel = red\nvchan = tcp:1\n",
		"t.conf:3: vchan: 'tcp:1' is not a vchan address (expected socket:/absolute/dir or xen:DOMID)" },
	/* Numbers. */
	{ "[general]\nborder-width = 0\n", "t.conf:2: border-width: 0 is out of range 1..32" },
	{ "[general]\noutput-scale = 0\n", "t.conf:2: output-scale: 0 is out of range 1..4" },
	{ "[general]\noutput-scale = 5\n", "t.conf:2: output-scale: 5 is out of range 1..4" },
	{ "[general]\noutput-scale = 1.5\n",
		"t.conf:2: output-scale: '1.5' is not a decimal number" },
	{ "[general]\nborder-width = 33\n", "t.conf:2: border-width: 33 is out of range 1..32" },
	{ "[general]\nborder-width = 99999999999999999999999\n",
		"t.conf:2: border-width: 99999999999999999999999 is out of range 1..32" },
	{ "[general]\nborder-width = -1\n",
		"t.conf:2: border-width: '-1' is not a decimal number" },
	{ "[general]\nborder-width = +4\n",
		"t.conf:2: border-width: '+4' is not a decimal number" },
	{ "[general]\nborder-width = 04\n",
		"t.conf:2: border-width: '04' is not a decimal number" },
	{ "[general]\nborder-width = 0x4\n",
		"t.conf:2: border-width: '0x4' is not a decimal number" },
	{ "[general]\nborder-width = 4 px\n",
		"t.conf:2: border-width: '4 px' is not a decimal number" },
	{ "[general]\nborder-width =\n", "t.conf:2: border-width: '' is not a decimal number" },
	{ "[vm a]\n" VM_OK "max-windows = 0\n",
		"t.conf:4: max-windows: 0 is out of range 1..4096" },
	{ "[vm a]\n" VM_OK "max-windows = 4097\n",
		"t.conf:4: max-windows: 4097 is out of range 1..4096" },
	{ "[vm a]\n" VM_OK "max-buffer-mib = 4097\n",
		"t.conf:4: max-buffer-mib: 4097 is out of range 1..4096" },
	{ "[vm a]\n" VM_OK "max-buffer-mib = 1.5\n",
		"t.conf:4: max-buffer-mib: '1.5' is not a decimal number" },
	/* Words. */
	{ "[vm a]\n" VM_OK "snapshot = true\n",
		"t.conf:4: snapshot: 'true' is neither yes nor no" },
	{ "[vm a]\n" VM_OK "snapshot = Yes\n", "t.conf:4: snapshot: 'Yes' is neither yes nor no" },
	{ "[vm a]\n" VM_OK "fullscreen = no\n",
		"t.conf:4: fullscreen: 'no' is neither allow nor deny" },
	{ "[vm a]\n" VM_OK "titles = utf-8\n",
		"t.conf:4: titles: 'utf-8' is neither utf8 nor ascii" },
	{ "[vm a]\n" VM_OK "titles = yes\n", "t.conf:4: titles: 'yes' is neither utf8 nor ascii" },
	{ "[vm a]\n" VM_OK "titles = ascii\ntitles = utf8\n",
		"t.conf:5: duplicate key 'titles' in [vm a] (first on line 4)" },
	/* Buffers. */
	{ "[vm a]\n" VM_OK "buffers =\n",
		"t.conf:4: buffers: empty item in '' (expected shm and/or dmabuf-linear)" },
	{ "[vm a]\n" VM_OK "buffers = shm,\n",
		"t.conf:4: buffers: empty item in 'shm,' (expected shm and/or dmabuf-linear)" },
	{ "[vm a]\n" VM_OK "buffers = shm, dmabuf\n",
		"t.conf:4: buffers: unknown buffer kind 'dmabuf' (expected shm or dmabuf-linear)" },
	{ "[vm a]\n" VM_OK "buffers = shm, shm\n", "t.conf:4: buffers: 'shm' listed twice" },
	/* Contradictions. */
	{ "[vm a]\nlabel = red\nvchan = socket:/run/x\n"
	  "[vm b]\nlabel = red\nvchan = socket:/run/x/\n",
		"t.conf:6: vchan: 'socket:/run/x/' is already the channel of VM a" },
	{ "[vm a]\n" VM_OK "[vm b]\nlabel = red\nvchan = xen:1\n",
		"t.conf:6: vchan: 'xen:1' is already the channel of VM a" },
	{ "[keys]\ncopy = Ctrl+Shift+v\n",
		"t.conf:2: [keys] copy and paste are the same key (Ctrl+Shift+v)" },
	{ "[keys]\npaste = Ctrl+Shift+x\n\ncopy = shift+CTRL+x\n",
		"t.conf:4: [keys] copy and paste are the same key (Ctrl+Shift+x)" },
	{ "[keys]\nsecure-attention = Ctrl+Shift+c\n",
		"t.conf:2: [keys] secure-attention and copy are the same key (Ctrl+Shift+c)" },
	/* Keysyms are compared in lower case, and Logo is Super. */
	{ "[keys]\npaste = Shift+ctrl+C\n",
		"t.conf:2: [keys] copy and paste are the same key (Ctrl+Shift+c)" },
	{ "[keys]\ncopy = Super+Insert\npaste = Logo+insert\n",
		"t.conf:3: [keys] copy and paste are the same key (Super+Insert)" },
	/* Key combinations. */
	{ "[keys]\ncopy = Ctrl++c\n",
		"t.conf:2: copy: 'Ctrl++c': empty part (expected Mod+...+Key)" },
	{ "[keys]\ncopy = Ctrl+\n", "t.conf:2: copy: 'Ctrl+': empty part (expected Mod+...+Key)" },
	{ "[keys]\ncopy =\n", "t.conf:2: copy: '': empty part (expected Mod+...+Key)" },
	{ "[keys]\ncopy = Ctrl+Shift\n",
		"t.conf:2: copy: 'Ctrl+Shift': ends in a modifier, not a key" },
	{ "[keys]\ncopy = Hyper+c\n",
		"t.conf:2: copy: 'Hyper+c': unknown modifier (expected Ctrl, Alt, Shift, Super or Logo)" },
	{ "[keys]\ncopy = c+Ctrl\n",
		"t.conf:2: copy: 'c+Ctrl': unknown modifier (expected Ctrl, Alt, Shift, Super or Logo)" },
	{ "[keys]\ncopy = Super+Logo+c\n", "t.conf:2: copy: 'Super+Logo+c': modifier given twice" },
	{ "[keys]\ncopy = Ctrl+c d\n",
		"t.conf:2: copy: 'Ctrl+c d': key is not an xkb keysym name" },
	{ "[keys]\ncopy = Ctrl+NoSuchKey\n",
		"t.conf:2: copy: 'Ctrl+NoSuchKey': key is not an xkb keysym name" },
	/* [keyboard], before any keymap is compiled. */
	{ "[keyboard]\nlayout = de\n[keyboard]\n",
		"t.conf:3: duplicate section [keyboard] (first on line 1)" },
	{ "[keyboard]\nlayout = de\nlayout = us\n",
		"t.conf:3: duplicate key 'layout' in [keyboard] (first on line 2)" },
	{ "[keyboard]\nrules = evdev\n", "t.conf:2: unknown key 'rules' in [keyboard]" },
	{ "[keyboard]\nLayout = de\n", "t.conf:2: unknown key 'Layout' in [keyboard]" },
	{ "[keyboard]\nlayout =\n",
		"t.conf:2: layout: empty value (leave the key out to follow XKB_DEFAULT_LAYOUT)" },
	{ "[keyboard]\nvariant = \n",
		"t.conf:2: variant: empty value (leave the key out to follow XKB_DEFAULT_VARIANT)" },
	{ "[keyboard]\noptions =\n",
		"t.conf:2: options: empty value (leave the key out to follow XKB_DEFAULT_OPTIONS)" },
	{ "[keyboard]\nmodel =\n",
		"t.conf:2: model: empty value (leave the key out to follow XKB_DEFAULT_MODEL)" },
	{ "[keyboard]\nlayout = us, de\n",
		"t.conf:2: layout: 'us, de' is not an xkb name (characters A-Z a-z 0-9 _ , : ( ) + . - only)" },
	{ "[keyboard]\noptions = caps:escape;x\n",
		"t.conf:2: options: 'caps:escape;x' is not an xkb name (characters A-Z a-z 0-9 _ , : ( ) + . - only)" },
	{ "[keyboard]\nvariant = \"nodeadkeys\"\n",
		"t.conf:2: variant: '\"nodeadkeys\"' is not an xkb name (characters A-Z a-z 0-9 _ , : ( ) + . - only)" },
	{ "[keyboard]\nmodel = ../../etc/passwd\n",
		"t.conf:2: model: '../../etc/passwd' is not an xkb name (characters A-Z a-z 0-9 _ , : ( ) + . - only)" },
	{ "[keyboard]\nmodel = pc105\xc3\xa9\n",
		"t.conf:2: model: 'pc105\xc3\xa9' is not an xkb name (characters A-Z a-z 0-9 _ , : ( ) + . - only)" },
	{ "[keyboard]\noptions = "
	  "grp:alt_shift_toggle,caps:escape,compose:ralt,terminate:ctrl_alt_bksp,x\n",
		"t.conf:2: options: longer than 64 characters" },
	{ "[keyboard]\nvariant = nodeadkeys\nmodel = pc105\n",
		"t.conf:2: [keyboard] variant needs a layout in [keyboard] (xkbcommon would ignore it)" },
};

static void test_errors(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(error_cases); i++) {
		expect_error(error_cases[i].text, error_cases[i].message);
	}
}

static void test_first_error_only(void **state)
{
	/* Line 2 is a syntax error, line 4 a bad value. Only the first is
	 * reported. */
	expect_error("[general]\nborder-width\n[bogus]\nborder-width = 99\n",
		"t.conf:2: expected 'key = value' or '[section]'");
	expect_error("[general]\nborder-width = 99\nbackground = nope\n",
		"t.conf:2: border-width: 99 is out of range 1..32");
	/* A missing label is only known at the end, so a later error on
	 * another line wins. */
	expect_error(
		"[vm a]\nlabel = pink\nvchan = xen:1\n[general]\n"
		"border-width = 0\n",
		"t.conf:5: border-width: 0 is out of range 1..32");
}

/* evdev code of the key at <AD06>: y on a us keyboard, z on a de one. */
#define KEY_AD06 21

/* The keysym a keymap's first layout gives <AD06> unshifted. */
static xkb_keysym_t ad06_keysym(struct xkb_keymap *keymap)
{
	const xkb_keysym_t *syms;
	int count = xkb_keymap_key_get_syms_by_level(keymap, KEY_AD06 + 8, 0, 0, &syms);
	return count == 1 ? syms[0] : XKB_KEY_NoSymbol;
}

static void xkb_environment_clear(void)
{
	static const char *const names[] = { "XKB_DEFAULT_RULES", "XKB_DEFAULT_MODEL",
		"XKB_DEFAULT_LAYOUT", "XKB_DEFAULT_VARIANT", "XKB_DEFAULT_OPTIONS" };
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		unsetenv(names[i]);
	}
}

/* Compiles the config's [keyboard], which must work. */
static struct xkb_keymap *expect_keymap(const struct config *config)
{
	char why[CONFIG_ERROR_MAX];
	struct xkb_keymap *keymap = config_keyboard_compile(&config->keyboard, why, sizeof(why));
	if (keymap == NULL) {
		print_error("no keymap: %s\n", why);
		fail();
	}
	return keymap;
}

/* A refusal from xkbcommon: the line is ours, the reason its own words. */
static void expect_xkb_error(const char *text, const char *prefix)
{
	struct config *config = load(text);
	if (config != NULL || strncmp(error, prefix, strlen(prefix)) != 0 ||
		strlen(error) == strlen(prefix)) {
		print_error("input:\n%s\nexpected: %s<reason>\ngot: %s\n", text, prefix,
			config != NULL ? "(accepted)" : error);
		config_destroy(config);
		fail();
	}
}

static void test_keyboard(void **state)
{
	xkb_environment_clear();
	char why[CONFIG_ERROR_MAX];
	struct config *config = config_create_default();
	assert_non_null(config);
	struct xkb_keymap *keymap = config_keyboard_compile(&config->keyboard, why, sizeof(why));
	if (keymap == NULL) {
		config_destroy(config);
		print_message("no xkb keymap at all (%s): is xkb-data installed?\n", why);
		skip();
	}
	/* Nothing set, nothing in the environment: xkbcommon's us. */
	assert_int_equal(ad06_keysym(keymap), XKB_KEY_y);
	xkb_keymap_unref(keymap);
	config_destroy(config);

	config = expect_ok(
		"[keyboard]\n"
		"layout = de\n"
		"variant = nodeadkeys\n"
		"options = grp:alt_shift_toggle,caps:escape\n"
		"model = pc105\n");
	assert_string_equal(config->keyboard.layout, "de");
	assert_string_equal(config->keyboard.variant, "nodeadkeys");
	assert_string_equal(config->keyboard.options, "grp:alt_shift_toggle,caps:escape");
	assert_string_equal(config->keyboard.model, "pc105");
	keymap = expect_keymap(config);
	assert_int_equal(ad06_keysym(keymap), XKB_KEY_z);
	xkb_keymap_unref(keymap);
	config_destroy(config);

	/* Two layouts, a variant for the second only; an empty section. */
	config = expect_ok("[keyboard]\nlayout = us,de\nvariant = ,nodeadkeys\n");
	keymap = expect_keymap(config);
	assert_int_equal(xkb_keymap_num_layouts(keymap), 2);
	xkb_keymap_unref(keymap);
	config_destroy(config);
	config = expect_ok("[keyboard]\n");
	config_destroy(config);

	/* A value of exactly 64 characters is fine. */
	config = expect_ok(
		"[keyboard]\nlayout = us\noptions = "
		"grp:alt_shift_toggle,caps:escape,eurosign:e,altwin:left_meta_win\n");
	assert_int_equal(strlen(config->keyboard.options), CONFIG_XKB_NAME_MAX);
	config_destroy(config);

	/* Names that do not compile: the [keyboard] line, and xkbcommon's reason. */
	expect_xkb_error("[general]\n[keyboard]\nlayout = xx\n",
		"t.conf:2: [keyboard]: xkbcommon cannot use these names: ");
	expect_xkb_error("[keyboard]\nlayout = de\nvariant = nosuchvariant\n",
		"t.conf:1: [keyboard]: xkbcommon cannot use these names: ");
	/* xkbcommon compiles this but ignores the option: refused too. */
	expect_xkb_error("[keyboard]\nlayout = de\noptions = nosuch:option\n",
		"t.conf:1: [keyboard]: xkbcommon cannot use these names: ");
	/* A bad name counts before the end-of-file checks. */
	expect_error("[keyboard]\nlayout = xx yy\n[keys]\ncopy = Ctrl+Shift+v\n",
		"t.conf:2: layout: 'xx yy' is not an xkb name (characters A-Z a-z 0-9 _ , : ( ) + . - only)");

	/* What the file leaves out follows XKB_DEFAULT_*; what it sets wins. */
	setenv("XKB_DEFAULT_LAYOUT", "de", 1);
	config = expect_ok("[keyboard]\noptions = caps:escape\n");
	keymap = expect_keymap(config);
	assert_int_equal(ad06_keysym(keymap), XKB_KEY_z);
	xkb_keymap_unref(keymap);
	config_destroy(config);
	setenv("XKB_DEFAULT_LAYOUT", "xx", 1);
	expect_xkb_error("\n[keyboard]\noptions = caps:escape\n",
		"t.conf:2: [keyboard]: xkbcommon cannot use these names: ");
	config = expect_ok("[keyboard]\nlayout = us\n");
	keymap = expect_keymap(config);
	assert_int_equal(ad06_keysym(keymap), XKB_KEY_y);
	xkb_keymap_unref(keymap);
	config_destroy(config);
	/* Without [keyboard] nothing is compiled: the compositor reports it. */
	config = expect_ok("[general]\n");
	assert_null(config_keyboard_compile(&config->keyboard, why, sizeof(why)));
	assert_true(strlen(why) > 0);
	config_destroy(config);
	xkb_environment_clear();
}

/* "background", n blanks, "= #202020": 19 + n characters of content. */
static void background_line(char *text, size_t n, const char *after)
{
	strcpy(text, "[general]\nbackground");
	memset(text + strlen(text), ' ', n);
	strcpy(text + strlen("[general]\nbackground") + n, "= #202020");
	strcat(text, after);
}

static void test_long_line(void **state)
{
	char text[1024] = "[vm a]\nlabel = red\nvchan = socket:/";
	size_t len = strlen(text);
	memset(text + len, 'd', 300);
	text[len + 300] = '\n';
	text[len + 301] = '\0';
	expect_error(text, "t.conf:3: line too long (at most 200 characters before a comment)");

	/* 200 is fine, whatever the comment and blanks around it. */
	background_line(text, 181, "   ; a comment that takes the line well past 200 characters\n");
	memset(strchr(text, ';') + 1, 'x', 100);
	config_destroy(expect_ok(text));
	background_line(text, 182, "\n");
	expect_error(text, "t.conf:2: line too long (at most 200 characters before a comment)");
}

static void test_key_combo_parse(void **state)
{
	static const struct {
		const char *text;
		uint32_t modifiers;
		xkb_keysym_t keysym;
	} good[] = {
		{ "Escape", 0, XKB_KEY_Escape },
		{ "escape", 0, XKB_KEY_Escape },
		{ "Ctrl+Alt+Escape", CONFIG_MOD_CTRL | CONFIG_MOD_ALT, XKB_KEY_Escape },
		{ "Ctrl+Shift+c", CONFIG_MOD_CTRL | CONFIG_MOD_SHIFT, XKB_KEY_c },
		{ "Ctrl+Shift+C", CONFIG_MOD_CTRL | CONFIG_MOD_SHIFT, XKB_KEY_c },
		{ "shift+CTRL+c", CONFIG_MOD_CTRL | CONFIG_MOD_SHIFT, XKB_KEY_c },
		{ "Super+F12", CONFIG_MOD_LOGO, XKB_KEY_F12 },
		{ "Logo+Return", CONFIG_MOD_LOGO, XKB_KEY_Return },
		{ "Alt+plus", CONFIG_MOD_ALT, XKB_KEY_plus },
		{ "Ctrl+Odiaeresis", CONFIG_MOD_CTRL, XKB_KEY_odiaeresis },
	};
	for (size_t i = 0; i < ARRAY_LEN(good); i++) {
		struct config_key_combo combo;
		const char *why = NULL;
		if (!config_key_combo_parse(good[i].text, &combo, &why)) {
			print_error("%s: refused: %s\n", good[i].text, why);
			fail();
		}
		assert_combo(&combo, good[i].modifiers, good[i].keysym);
	}

	static const struct {
		const char *text;
		const char *why;
	} bad[] = {
		{ "", "empty part (expected Mod+...+Key)" },
		{ "+c", "empty part (expected Mod+...+Key)" },
		{ "Ctrl++c", "empty part (expected Mod+...+Key)" },
		{ "Ctrl+", "empty part (expected Mod+...+Key)" },
		{ "Ctrl+Alt", "ends in a modifier, not a key" },
		{ "Hyper+c", "unknown modifier (expected Ctrl, Alt, Shift, Super or Logo)" },
		{ "c+Ctrl", "unknown modifier (expected Ctrl, Alt, Shift, Super or Logo)" },
		{ "Ctrl+ctrl+c", "modifier given twice" },
		{ "Super+Logo+c", "modifier given twice" },
		{ "Ctrl+NoSuchKey", "key is not an xkb keysym name" },
		{ "Ctrl+c d", "key is not an xkb keysym name" },
		{ "Ctrl+NoSymbol", "key is not an xkb keysym name" },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct config_key_combo combo = { 0x55, 0x55 };
		const char *why = NULL;
		if (config_key_combo_parse(bad[i].text, &combo, &why)) {
			print_error("%s: accepted\n", bad[i].text);
			fail();
		}
		assert_non_null(why);
		assert_string_equal(why, bad[i].why);
		/* Untouched on failure. */
		assert_combo(&combo, 0x55, 0x55);
	}
}

static void test_key_combo_matches(void **state)
{
	struct config_key_combo copy;
	const char *why;
	assert_true(config_key_combo_parse("Ctrl+Shift+c", &copy, &why));
	uint32_t ctrl_shift = CONFIG_MOD_CTRL | CONFIG_MOD_SHIFT;

	/* With Shift held xkb gives the upper-case keysym. */
	assert_true(config_key_combo_matches(&copy, ctrl_shift, XKB_KEY_C));
	assert_true(config_key_combo_matches(&copy, ctrl_shift, XKB_KEY_c));
	/* Caps Lock (2) and Num Lock (16) do not count. */
	assert_true(config_key_combo_matches(&copy, ctrl_shift | 2 | 16, XKB_KEY_C));

	assert_false(config_key_combo_matches(&copy, CONFIG_MOD_CTRL, XKB_KEY_c));
	assert_false(config_key_combo_matches(&copy, ctrl_shift | CONFIG_MOD_ALT, XKB_KEY_C));
	assert_false(config_key_combo_matches(&copy, ctrl_shift | CONFIG_MOD_LOGO, XKB_KEY_C));
	assert_false(config_key_combo_matches(&copy, ctrl_shift, XKB_KEY_v));
	assert_false(config_key_combo_matches(&copy, 0, XKB_KEY_c));

	struct config *config = config_create_default();
	assert_non_null(config);
	assert_true(config_key_combo_matches(&config->keys.secure_attention,
		CONFIG_MOD_CTRL | CONFIG_MOD_ALT, XKB_KEY_Escape));
	assert_false(config_key_combo_matches(&config->keys.secure_attention, CONFIG_MOD_CTRL,
		XKB_KEY_Escape));
	config_destroy(config);
}

static void test_small_error_buffer(void **state)
{
	char small[12];
	struct config *config = config_load_string("[x]\n", "a-long-name", small, sizeof(small));
	assert_null(config);
	assert_string_equal(small, "a-long-name");
	assert_null(config_load_string("[x]\n", NULL, NULL, 0));
	config = config_load_string(NULL, NULL, NULL, 0);
	assert_non_null(config);
	config_destroy(config);
}

static void test_parse_colour(void **state)
{
	uint32_t rgb = 0;
	assert_true(config_parse_colour("#000000", &rgb));
	assert_int_equal(rgb, 0);
	assert_true(config_parse_colour("#FfFfFf", &rgb));
	assert_int_equal(rgb, 0xffffff);
	assert_true(config_parse_colour("#12aB9c", &rgb));
	assert_int_equal(rgb, 0x12ab9c);
	rgb = 7;
	assert_false(config_parse_colour("12ab9c", &rgb));
	assert_false(config_parse_colour("#12ab9", &rgb));
	assert_false(config_parse_colour("#12ab9cd", &rgb));
	assert_false(config_parse_colour("#12ab9 ", &rgb));
	assert_false(config_parse_colour(" #12ab9", &rgb));
	assert_false(config_parse_colour("#-12ab9", &rgb));
	assert_false(config_parse_colour("#0x1234", &rgb));
	assert_false(config_parse_colour("", &rgb));
	assert_false(config_parse_colour(NULL, &rgb));
	assert_int_equal(rgb, 7);
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/mullion-test-config-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *file = fdopen(fd, "w");
	assert_non_null(file);
	fputs(full_file, file);
	fclose(file);

	struct config *config = config_load(path, error, sizeof(error));
	assert_non_null(config);
	assert_int_equal(config->vm_count, 2);
	assert_int_equal(config->border_width, 7);
	config_destroy(config);

	/* Errors name the path. */
	file = fopen(path, "w");
	assert_non_null(file);
	fputs("[general]\n\nborder-width = 40\n", file);
	fclose(file);
	assert_null(config_load(path, error, sizeof(error)));
	char expected[CONFIG_ERROR_MAX];
	snprintf(expected, sizeof(expected), "%s:3: border-width: 40 is out of range 1..32", path);
	assert_string_equal(error, expected);

	/* A NUL byte would hide the rest of the file from the parser. */
	file = fopen(path, "w");
	assert_non_null(file);
	fwrite("[general]\n\0[bogus]\n", 1, 19, file);
	fclose(file);
	assert_null(config_load(path, error, sizeof(error)));
	snprintf(expected, sizeof(expected), "%s: not a text file (contains a NUL byte)", path);
	assert_string_equal(error, expected);

	unlink(path);
	assert_null(config_load(path, error, sizeof(error)));
	snprintf(expected, sizeof(expected), "%s: No such file or directory", path);
	assert_string_equal(error, expected);
}

static void test_shipped_example(void **state)
{
	/* The example in config/ must load as shipped. */
	const char *path = getenv("MULLION_EXAMPLE_CONFIG");
	if (path == NULL) {
		print_message(
			"MULLION_EXAMPLE_CONFIG is not set: not checking config/mullion.conf\n");
		skip();
	}
	struct config *config = config_load(path, error, sizeof(error));
	if (config == NULL) {
		print_error("%s\n", error);
		fail();
	}
	assert_int_equal(config->border_width, 4);
	assert_int_equal(config->label_count, 8);
	config_destroy(config);
}

int main(void)
{
	/* The [keyboard] cases set these themselves. */
	xkb_environment_clear();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_buffers_forms),
		cmocka_unit_test(test_comments_and_whitespace),
		cmocka_unit_test(test_label_overrides_default),
		cmocka_unit_test(test_label_defined_after_use),
		cmocka_unit_test(test_label_limit),
		cmocka_unit_test(test_keys_swapped),
		cmocka_unit_test(test_keyboard),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_first_error_only),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_key_combo_parse),
		cmocka_unit_test(test_key_combo_matches),
		cmocka_unit_test(test_small_error_buffer),
		cmocka_unit_test(test_parse_colour),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_shipped_example),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
