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

static bool vm_spawn_bridge(struct vm *vm);

static void handle_client_destroy(struct wl_listener *listener, void *data)
{
	struct vm *vm = wl_container_of(listener, vm, client_destroy);
	wl_list_remove(&vm->client_destroy.link);
	wl_list_init(&vm->client_destroy.link);
	vm->client = NULL;
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

static void schedule_restart(struct vm *vm)
{
	if (vm->started_ms > 0 && now_ms() - vm->started_ms >= VM_HEALTHY_RUN_MS) {
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

static void exec_bridge(const struct vm *vm, int fd, bool verbose)
{
	/* wl_event_loop_add_signal blocked these; a child must not inherit. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	int flags = fcntl(fd, F_GETFD);
	if (flags < 0 || fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0) {
		_exit(127);
	}
	char fd_str[16], max_windows[16], max_mib[16];
	char vchan[VCHAN_PATH_MAX + 16];
	snprintf(fd_str, sizeof(fd_str), "%d", fd);
	snprintf(max_windows, sizeof(max_windows), "%u", vm->config->max_windows);
	snprintf(max_mib, sizeof(max_mib), "%u", vm->config->max_buffer_mib);
	if (!vchan_address_format(&vm->config->vchan, vchan, sizeof(vchan))) {
		_exit(127);
	}
	setenv("WAYLAND_SOCKET", fd_str, 1);
	unsetenv("WAYLAND_DISPLAY");

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
		verbose ? "-v" : NULL,
		NULL,
	};
	execv(bridge, argv);
	fprintf(stderr, "mullion: cannot run %s: %s\n", bridge, strerror(errno));
	_exit(127);
}

static bool vm_spawn_bridge(struct vm *vm)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		wlr_log_errno(WLR_ERROR, "VM %s: socketpair", vm->config->name);
		schedule_restart(vm);
		return false;
	}

	bool verbose = wlr_log_get_verbosity() >= WLR_DEBUG;
	pid_t pid = fork();
	if (pid < 0) {
		wlr_log_errno(WLR_ERROR, "VM %s: fork", vm->config->name);
		close(sv[0]);
		close(sv[1]);
		schedule_restart(vm);
		return false;
	}
	if (pid == 0) {
		close(sv[0]);
		exec_bridge(vm, sv[1], verbose);
	}
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
			if (WIFEXITED(status)) {
				/* 0: stopped by a signal it handled, not a fault */
				wlr_log(WEXITSTATUS(status) == 0 ? WLR_INFO : WLR_ERROR,
					"VM %s: bridge exited with status %d", vm->config->name,
					WEXITSTATUS(status));
			} else if (WIFSIGNALED(status)) {
				wlr_log(WLR_ERROR, "VM %s: bridge killed by signal %d",
					vm->config->name, WTERMSIG(status));
			}
			if (vm->client) {
				wl_client_destroy(vm->client);
			}
			schedule_restart(vm);
		}
	}
	return 0;
}

static void vm_destroy(struct vm *vm)
{
	if (!vm) {
		return;
	}
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
		vm->restart_timer =
			wl_event_loop_add_timer(server->event_loop, handle_restart_timer, vm);
		if (!vm->restart_timer) {
			wlr_log(WLR_ERROR, "Cannot create a timer");
			return false;
		}
		vm_spawn_bridge(vm);
	}
	return true;
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
