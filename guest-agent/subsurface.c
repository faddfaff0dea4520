#include "guest-agent/subsurface.h"

#include <stdlib.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/util/log.h>

#include "guest-agent/server.h"
#include "guest-agent/window.h"

static void handle_subsurface_destroy(struct wl_listener *listener, void *data)
{
	struct agent_subsurface *subsurface = wl_container_of(listener, subsurface, destroy);
	agent_subsurface_destroy(subsurface);
}

static void handle_subsurface_map(struct wl_listener *listener, void *data)
{
	struct agent_subsurface *subsurface = wl_container_of(listener, subsurface, map);
	agent_window_subsurface_shown(subsurface->window, subsurface->subsurface);
}

static void handle_subsurface_unmap(struct wl_listener *listener, void *data)
{
	struct agent_subsurface *subsurface = wl_container_of(listener, subsurface, unmap);
	/* Still in its parent's list, and still mapped, at this signal. */
	agent_window_subsurface_shown(subsurface->window, subsurface->subsurface);
}

static void handle_surface_commit(struct wl_listener *listener, void *data)
{
	struct agent_subsurface *subsurface = wl_container_of(listener, subsurface, commit);
	agent_window_surface_committed(subsurface->window, subsurface->subsurface->surface);
}

static void handle_new_subsurface(struct wl_listener *listener, void *data)
{
	struct agent_subsurface *subsurface = wl_container_of(listener, subsurface, new_subsurface);
	agent_subsurface_create(subsurface->window, data);
}

struct agent_subsurface *agent_subsurface_create(struct agent_window *window,
	struct wlr_subsurface *wlr_subsurface)
{
	struct agent_subsurface *subsurface = calloc(1, sizeof(*subsurface));
	if (!subsurface) {
		wlr_log(WLR_ERROR, "Out of memory for a subsurface");
		return NULL;
	}
	subsurface->window = window;
	subsurface->subsurface = wlr_subsurface;
	subsurface->destroy.notify = handle_subsurface_destroy;
	wl_signal_add(&wlr_subsurface->events.destroy, &subsurface->destroy);
	subsurface->map.notify = handle_subsurface_map;
	wl_signal_add(&wlr_subsurface->events.map, &subsurface->map);
	subsurface->unmap.notify = handle_subsurface_unmap;
	wl_signal_add(&wlr_subsurface->events.unmap, &subsurface->unmap);
	subsurface->commit.notify = handle_surface_commit;
	wl_signal_add(&wlr_subsurface->surface->events.commit, &subsurface->commit);
	subsurface->new_subsurface.notify = handle_new_subsurface;
	wl_signal_add(&wlr_subsurface->surface->events.new_subsurface, &subsurface->new_subsurface);
	wl_list_insert(&window->subsurfaces, &subsurface->link);
	/* On the window's output, as the window is. */
	wlr_surface_send_enter(wlr_subsurface->surface, window->server->output);

	agent_subsurface_follow_existing(window, wlr_subsurface->surface);
	if (wlr_subsurface->mapped) {
		agent_window_subsurface_shown(window, wlr_subsurface);
	}
	return subsurface;
}

void agent_subsurface_destroy(struct agent_subsurface *subsurface)
{
	if (!subsurface) {
		return;
	}
	wl_list_remove(&subsurface->destroy.link);
	wl_list_remove(&subsurface->map.link);
	wl_list_remove(&subsurface->unmap.link);
	wl_list_remove(&subsurface->commit.link);
	wl_list_remove(&subsurface->new_subsurface.link);
	wl_list_remove(&subsurface->link);
	free(subsurface);
}

void agent_subsurface_follow_existing(struct agent_window *window, struct wlr_surface *surface)
{
	/* Only those already added (new_subsurface was emitted for them);
	 * the others are announced by that signal later. */
	struct wlr_subsurface *wlr_subsurface;
	wl_list_for_each(wlr_subsurface, &surface->current.subsurfaces_below, current.link) {
		agent_subsurface_create(window, wlr_subsurface);
	}
	wl_list_for_each(wlr_subsurface, &surface->current.subsurfaces_above, current.link) {
		agent_subsurface_create(window, wlr_subsurface);
	}
}
