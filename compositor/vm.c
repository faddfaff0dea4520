#define _GNU_SOURCE /* close_range */
#include "compositor/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wlr/util/log.h>

#include "compositor/server.h"

#define VM_RESTART_MIN_MS 500
#define VM_RESTART_MAX_MS 30000
/* A bridge that ran this long before it died starts the back-off afresh. */
#define VM_HEALTHY_RUN_MS 60000

/* The bridge's end of its Wayland socket, and the first fd it does not
 * inherit. */
#define BRIDGE_WAYLAND_FD 3

/* What the bridge's environment keeps of the compositor's, besides the
 * WAYLAND_SOCKET it is given: sanitizer options (a sanitizer build reads
 * them at start), and the instructions of the test stand-ins the tests
 * start instead of mullion-bridge (the bridge reads none of them). */
static const char *const bridge_env_kept[] = {
	"ASAN_OPTIONS=",
	"UBSAN_OPTIONS=",
	"LSAN_OPTIONS=",
	"MULLION_TEST_",
};
#define BRIDGE_ENV_KEPT_COUNT (sizeof(bridge_env_kept) / sizeof(bridge_env_kept[0]))

static bool vm_spawn_bridge(struct vm *vm);

static void handle_client_destroy(struct wl_listener *listener, void *data)
{
	struct vm *vm = wl_container_of(listener, vm, client_destroy);
	wl_list_remove(&vm->client_destroy.link);
	wl_list_init(&vm->client_destroy.link);
	vm->client = NULL;
	clipboard_forget_vm(vm->server, vm);
	/* Its views went with it; nothing else of the VM is on screen. */
	wlr_log(WLR_INFO, "VM %s: bridge disconnected", vm->config->name);
}

static int handle_restart_timer(void *data)
{
	struct vm *vm = data;
	if (vm->bridge_pid == 0) {
		vm_spawn_bridge(vm);
	}
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* penalty: the bridge failed or its VM broke the rules, so the delay
 * doubles each time; without, the next bridge starts soon (its VM just
 * went away) and the back-off starts afresh. */
static void schedule_restart(struct vm *vm, bool penalty)
{
	if (!penalty || (vm->started_ms > 0 && now_ms() - vm->started_ms >= VM_HEALTHY_RUN_MS)) {
		vm->restart_delay_ms = VM_RESTART_MIN_MS;
	}
	wlr_log(WLR_INFO, "VM %s: restarting its bridge in %d ms", vm->config->name,
		vm->restart_delay_ms);
	wl_event_source_timer_update(vm->restart_timer, vm->restart_delay_ms);
	/* Back off, so a bridge that dies at once does not spin. */
	vm->restart_delay_ms *= 2;
	if (vm->restart_delay_ms > VM_RESTART_MAX_MS) {
		vm->restart_delay_ms = VM_RESTART_MAX_MS;
	}
}

/*
 * The bridge's environment: WAYLAND_SOCKET and what bridge_env_kept names,
 * nothing else (no XDG_RUNTIME_DIR or WAYLAND_DISPLAY: the bridge has no
 * way to find the compositor's main socket). Made before fork, so the
 * child does not allocate; free the array, not the strings.
 */
static char **bridge_env_create(void)
{
	size_t count = 0;
	for (char **var = environ; *var != NULL; var++) {
		count++;
	}
	char **env = calloc(count + 2, sizeof(*env));
	if (env == NULL) {
		return NULL;
	}
	size_t n = 0;
	static char wayland_socket[] = "WAYLAND_SOCKET=3";
	_Static_assert(BRIDGE_WAYLAND_FD == 3, "WAYLAND_SOCKET names another fd");
	env[n++] = wayland_socket;
	for (char **var = environ; *var != NULL; var++) {
		for (size_t i = 0; i < BRIDGE_ENV_KEPT_COUNT; i++) {
			if (strncmp(*var, bridge_env_kept[i], strlen(bridge_env_kept[i])) == 0) {
				env[n++] = *var;
				break;
			}
		}
	}
	env[n] = NULL;
	return env;
}

/*
 * In the child: the Wayland socket becomes fd 3, and every fd above it
 * (the compositor's listening socket, DRM, its clients) is closed. stdin
 * is /dev/null (it may be dom0's terminal) and stdout goes where stderr
 * goes: the bridge only logs, and cannot write to the compositor's stdout.
 */
static bool bridge_fds_prepare(int fd)
{
	if (fd != BRIDGE_WAYLAND_FD && dup2(fd, BRIDGE_WAYLAND_FD) < 0) {
		return false;
	}
	/* dup2 leaves the copy without FD_CLOEXEC; fd 3 itself may have it. */
	int flags = fcntl(BRIDGE_WAYLAND_FD, F_GETFD);
	if (flags < 0 || fcntl(BRIDGE_WAYLAND_FD, F_SETFD, flags & ~FD_CLOEXEC) < 0) {
		return false;
	}
	/* Above fd 3, or fd 0 itself: close_range takes the copy. */
	int null_fd = open("/dev/null", O_RDONLY);
	if (null_fd < 0) {
		close(STDIN_FILENO);
	} else if (null_fd != STDIN_FILENO && dup2(null_fd, STDIN_FILENO) < 0) {
		return false;
	}
	if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		return false;
	}
	if (close_range(BRIDGE_WAYLAND_FD + 1, ~0u, 0) == 0) {
		return true;
	}
	/* A kernel before 5.9: one by one, up to the limit. */
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 1 << 20) {
		max = 1 << 20;
	}
	for (int other = BRIDGE_WAYLAND_FD + 1; other < max; other++) {
		close(other);
	}
	return true;
}

static void exec_bridge(const struct vm *vm, int fd, char **env, bool verbose)
{
	/* wl_event_loop_add_signal blocked these; a child must not inherit. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	if (!bridge_fds_prepare(fd)) {
		_exit(127);
	}
	char max_windows[16], max_mib[16];
	char vchan[VCHAN_PATH_MAX + 16];
	snprintf(max_windows, sizeof(max_windows), "%u", vm->config->max_windows);
	snprintf(max_mib, sizeof(max_mib), "%u", vm->config->max_buffer_mib);
	if (!vchan_address_format(&vm->config->vchan, vchan, sizeof(vchan))) {
		_exit(127);
	}

	const char *bridge = vm->server->bridge_path;
	char *argv[] = {
		(char *)bridge,
		"--vm",
		(char *)vm->config->name,
		"--vchan",
		vchan,
		"--max-windows",
		max_windows,
		"--max-buffer-mib",
		max_mib,
		"--titles",
		vm->config->utf8_titles ? "utf8" : "ascii",
		verbose ? "-v" : NULL,
		NULL,
	};
	execve(bridge, argv, env);
	fprintf(stderr, "mullion: cannot run %s: %s\n", bridge, strerror(errno));
	_exit(127);
}

static bool vm_spawn_bridge(struct vm *vm)
{
	char **env = bridge_env_create();
	if (env == NULL) {
		wlr_log(WLR_ERROR, "VM %s: out of memory for the bridge's environment",
			vm->config->name);
		schedule_restart(vm, true);
		return false;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		wlr_log_errno(WLR_ERROR, "VM %s: socketpair", vm->config->name);
		free(env);
		schedule_restart(vm, true);
		return false;
	}

	bool verbose = wlr_log_get_verbosity() >= WLR_DEBUG;
	pid_t pid = fork();
	if (pid < 0) {
		wlr_log_errno(WLR_ERROR, "VM %s: fork", vm->config->name);
		close(sv[0]);
		close(sv[1]);
		free(env);
		schedule_restart(vm, true);
		return false;
	}
	if (pid == 0) {
		close(sv[0]);
		exec_bridge(vm, sv[1], env, verbose);
	}
	free(env);
	close(sv[1]);

	/*
	 * This socket is how dom0 knows, without asking, that everything on
	 * it speaks for this VM.
	 */
	vm->client = wl_client_create(vm->server->display, sv[0]);
	if (!vm->client) {
		wlr_log(WLR_ERROR, "VM %s: cannot create its client", vm->config->name);
		close(sv[0]);
		kill(pid, SIGTERM);
		vm->bridge_pid = pid;
		return false;
	}
	vm->bridge_pid = pid;
	vm->started_ms = now_ms();
	vm->client_destroy.notify = handle_client_destroy;
	wl_client_add_destroy_listener(vm->client, &vm->client_destroy);
	wlr_log(WLR_INFO, "VM %s: bridge started (pid %d)", vm->config->name, (int)pid);
	return true;
}

static int handle_sigchld(int signal, void *data)
{
	struct server *server = data;
	pid_t pid;
	int status;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct vm *vm;
		wl_list_for_each(vm, &server->vms, link) {
			if (vm->bridge_pid != pid) {
				continue;
			}
			vm->bridge_pid = 0;
			bool penalty = true;
			if (WIFEXITED(status) && WEXITSTATUS(status) == BRIDGE_EXIT_VM_ENDED) {
				/* One bridge per connection: the next one waits
				 * for the VM to come back. */
				wlr_log(WLR_INFO, "VM %s: bridge exited: its VM connection ended",
					vm->config->name);
				penalty = false;
			} else if (WIFEXITED(status) &&
				WEXITSTATUS(status) == BRIDGE_EXIT_VM_VIOLATION) {
				wlr_log(WLR_INFO,
					"VM %s: bridge exited: its VM broke the protocol (the bridge logged the rule)",
					vm->config->name);
			} else if (WIFEXITED(status)) {
				/* 0: stopped by a signal it handled, not a fault */
				wlr_log(WEXITSTATUS(status) == 0 ? WLR_INFO : WLR_ERROR,
					"VM %s: bridge exited with status %d", vm->config->name,
					WEXITSTATUS(status));
			} else if (WIFSIGNALED(status)) {
				/* SIGSYS: the bridge's sandbox stopped a call. */
				wlr_log(WLR_ERROR, "VM %s: bridge killed by signal %d",
					vm->config->name, WTERMSIG(status));
			}
			if (vm->client) {
				wl_client_destroy(vm->client);
			}
			schedule_restart(vm, penalty);
		}
	}
	return 0;
}

static bool vm_create(struct server *server, const struct config_vm *config_vm)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	if (!vm) {
		wlr_log(WLR_ERROR, "Out of memory");
		return false;
	}
	vm->server = server;
	vm->config = config_vm;
	vm->restart_delay_ms = VM_RESTART_MIN_MS;
	wl_list_init(&vm->client_destroy.link);
	wl_list_insert(server->vms.prev, &vm->link);
	vm->restart_timer = wl_event_loop_add_timer(server->event_loop, handle_restart_timer, vm);
	if (!vm->restart_timer) {
		wlr_log(WLR_ERROR, "Cannot create a timer");
		return false;
	}
	vm_spawn_bridge(vm);
	return true;
}

static void vm_destroy(struct vm *vm)
{
	if (!vm) {
		return;
	}
	clipboard_forget_vm(vm->server, vm);
	if (vm->client) {
		wl_client_destroy(vm->client);
	}
	if (vm->bridge_pid > 0) {
		kill(vm->bridge_pid, SIGTERM);
		waitpid(vm->bridge_pid, NULL, 0);
	}
	if (vm->restart_timer) {
		wl_event_source_remove(vm->restart_timer);
	}
	wl_list_remove(&vm->link);
	free(vm);
}

bool vms_start(struct server *server)
{
	server->sigchld_source =
		wl_event_loop_add_signal(server->event_loop, SIGCHLD, handle_sigchld, server);
	if (!server->sigchld_source) {
		wlr_log(WLR_ERROR, "Cannot watch child processes");
		return false;
	}

	struct config_vm *config_vm;
	wl_list_for_each(config_vm, &server->config->vms, link) {
		if (!vm_create(server, config_vm)) {
			return false;
		}
	}
	return true;
}

/* What a running bridge was started with: a change needs a new bridge. */
static bool same_bridge(const struct config_vm *a, const struct config_vm *b)
{
	return vchan_address_equal(&a->vchan, &b->vchan) && a->buffers == b->buffers &&
		a->snapshot == b->snapshot && a->max_windows == b->max_windows &&
		a->max_buffer_mib == b->max_buffer_mib && a->utf8_titles == b->utf8_titles;
}

static const struct config_vm *find_config_vm(const struct config *config, const char *name)
{
	const struct config_vm *config_vm;
	wl_list_for_each(config_vm, &config->vms, link) {
		if (strcmp(config_vm->name, name) == 0) {
			return config_vm;
		}
	}
	return NULL;
}

void vms_reconfigure(struct server *server, const struct config *config)
{
	struct vm *vm, *tmp;
	wl_list_for_each_safe(vm, tmp, &server->vms, link) {
		const struct config_vm *next = find_config_vm(config, vm->config->name);
		if (next != NULL && same_bridge(vm->config, next)) {
			/* Label, fullscreen policy: taken from now on. */
			vm->config = next;
			continue;
		}
		wlr_log(WLR_INFO, "VM %s: %s by the new config", vm->config->name,
			next ? "bridge restarted" : "removed");
		vm_destroy(vm);
	}
	const struct config_vm *config_vm;
	wl_list_for_each(config_vm, &config->vms, link) {
		bool running = false;
		wl_list_for_each(vm, &server->vms, link) {
			running = running || vm->config == config_vm;
		}
		if (!running && vm_create(server, config_vm)) {
			wlr_log(WLR_INFO, "VM %s: started by the new config", config_vm->name);
		}
	}
}

void vms_stop(struct server *server)
{
	struct vm *vm, *tmp;
	wl_list_for_each_safe(vm, tmp, &server->vms, link) {
		vm_destroy(vm);
	}
	if (server->sigchld_source) {
		wl_event_source_remove(server->sigchld_source);
		server->sigchld_source = NULL;
	}
}

struct vm *vm_from_client(struct server *server, const struct wl_client *client)
{
	struct vm *vm;
	wl_list_for_each(vm, &server->vms, link) {
		if (vm->client && vm->client == client) {
			return vm;
		}
	}
	return NULL;
}
