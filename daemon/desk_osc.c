// SPDX-License-Identifier: GPL-3.0-or-later

#include "desk_osc.h"

#include "undo.h"

#include <lo/lo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// The handlers' view of the desk: it and the controller it answers through
typedef struct {
  MxDesk*       desk;
  MxOscControl* control;
} DeskOsc;

static DeskOsc
view(void* const data)
{
  MxDesk* const desk = (MxDesk*)data;
  return (DeskOsc){ desk, mx_desk_control(desk) };
}

// ---------------------------------------------------------------------------
// Replies

static void
reply_name(const DeskOsc* const   d,
           const MxOscPeer* const to,
           const char* const      path,
           const char* const      name)
{
  const lo_message m = lo_message_new();
  lo_message_add_string(m, name);
  mx_osc_control_reply(d->control, to, path, m);
}

static void
reply_steps(const DeskOsc* const d, const MxOscPeer* const to, const char* const path)
{
  const MxUndo* const undo = mx_desk_undo(d->desk);
  const lo_message    m    = lo_message_new();
  lo_message_add_int32(m, (int32_t)mx_undo_count(undo));
  lo_message_add_int32(m, (int32_t)mx_undo_redo_count(undo));
  mx_osc_control_reply(d->control, to, path, m);
}

static bool
refuse(const DeskOsc* const   d,
       const MxOscPeer* const to,
       const char* const      path,
       const char* const      why)
{
  mx_osc_control_error(d->control, to, path, why);
  return true;
}

// ---------------------------------------------------------------------------
// /session/...

static void
session_list(const DeskOsc* const d, const MxOscPeer* const from)
{
  char** names = NULL;
  size_t count = 0U;
  if (mx_desk_list(d->desk, &names, &count)) {
    refuse(d, from, "/session/list", "cannot read the session directory");
    return;
  }
  const lo_message m = lo_message_new();
  for (size_t i = 0U; i < count; ++i) {
    lo_message_add_string(m, names[i]);
  }
  mx_store_free_names(names, count);
  mx_osc_control_reply(d->control, from, "/session/list", m);
}

static bool
session(const DeskOsc* const d, const MxOscPeer* const from, const MxOscMessage* const msg)
{
  const char* const path = msg->path;
  const char* const name = mx_osc_arg_string(msg, 0);
  char              why[512];
  MxStatus          st = MX_SUCCESS;
  if (msg->argc > 1 || (msg->argc == 1 && !name)) {
    return refuse(d, from, path, "takes one name (s)");
  }

  if (!strcmp(path, "/session/save")) {
    st = mx_desk_save(d->desk, name, why, sizeof(why));
    if (!st) {
      reply_name(d, from, "/session/saved", mx_desk_name(d->desk));
    }
  } else if (!strcmp(path, "/session/load")) {
    st = name ? mx_desk_load(d->desk, name, why, sizeof(why))
              : (MxStatus)(snprintf(why, sizeof(why), "needs a session name (s)"), MX_ERR_BAD_ARG);
    if (!st) {
      reply_name(d, from, "/session/loaded", mx_desk_name(d->desk));
    }
  } else if (!strcmp(path, "/session/new")) {
    st = mx_desk_new_session(d->desk, name, why, sizeof(why));
    if (!st) {
      reply_name(d, from, "/session/loaded", mx_desk_name(d->desk));
    }
  } else if (!strcmp(path, "/session/list")) {
    session_list(d, from);
  } else if (!strcmp(path, "/session/current")) {
    const lo_message m = lo_message_new();
    lo_message_add_string(m, mx_desk_name(d->desk));
    lo_message_add_int32(m, mx_desk_dirty(d->desk) ? 1 : 0);
    mx_osc_control_reply(d->control, from, "/session/current", m);
  } else {
    return false;
  }
  return st ? refuse(d, from, path, why) : true;
}

// ---------------------------------------------------------------------------
// /scene/...

// A scene number argument: a whole number
static bool
scene_number(const MxOscMessage* const msg, const int i, unsigned* const out)
{
  int n = 0;
  if (!mx_osc_arg_int(msg, i, &n) || n < 1 || n > (int)MX_SCENES_MAX) {
    return false;
  }
  *out = (unsigned)n;
  return true;
}

static void
scene_list(const DeskOsc* const d, const MxOscPeer* const from)
{
  const MxScenes* const scenes = mx_desk_scenes(d->desk);
  int32_t               count  = 0;
  for (unsigned n = 1U; n <= MX_SCENES_MAX; ++n) {
    if (mx_scenes_exists(scenes, n)) {
      const lo_message m = lo_message_new();
      lo_message_add_int32(m, (int32_t)n);
      lo_message_add_string(m, mx_scenes_name(scenes, n));
      mx_osc_control_reply(d->control, from, "/scene/list/item", m);
      ++count;
    }
  }
  const lo_message m = lo_message_new();
  lo_message_add_int32(m, count);
  mx_osc_control_reply(d->control, from, "/scene/list/end", m);
}

static bool
scene(const DeskOsc* const d, const MxOscPeer* const from, const MxOscMessage* const msg)
{
  const char* const path = msg->path;
  char              why[512];
  char              range[64];
  unsigned          n  = 0U;
  MxStatus          st = MX_SUCCESS;
  snprintf(range, sizeof(range), "needs a scene number, 1 to %u (i)", MX_SCENES_MAX);

  if (!strcmp(path, "/scene/list")) {
    scene_list(d, from);
    return true;
  }
  if (!strcmp(path, "/scene/store")) {
    const char* const name = msg->argc > 1 ? mx_osc_arg_string(msg, 1) : NULL;
    if (!scene_number(msg, 0, &n) || msg->argc > 2 || (msg->argc == 2 && !name)) {
      return refuse(
        d, from, path, msg->argc && scene_number(msg, 0, &n) ? "takes i:number [s:name]" : range);
    }
    st = mx_desk_store_scene(d->desk, n, name, why, sizeof(why));
    if (!st) {
      const lo_message m = lo_message_new();
      lo_message_add_int32(m, (int32_t)n);
      lo_message_add_string(m, mx_scenes_name(mx_desk_scenes(d->desk), n));
      mx_osc_control_reply(d->control, from, "/scene/stored", m);
    }
    return st ? refuse(d, from, path, why) : true;
  }
  if (!strcmp(path, "/scene/recall")) {
    double fade = 0.0;
    if (!scene_number(msg, 0, &n)) {
      return refuse(d, from, path, range);
    }
    if (msg->argc > 2 ||
        (msg->argc == 2 && (!mx_osc_arg_number(msg, 1, &fade) || !isfinite(fade)))) {
      return refuse(d, from, path, "takes i:number [f:fade_seconds]");
    }
    st = mx_desk_recall(d->desk, n, fade, why, sizeof(why));
    if (st && st != MX_FAILURE) {
      return refuse(d, from, path, why);
    }
    const lo_message m = lo_message_new();
    lo_message_add_int32(m, (int32_t)n);
    lo_message_add_float(m, (float)fade);
    mx_osc_control_reply(d->control, from, "/scene/recalled", m);
    if (st == MX_FAILURE) {
      refuse(d, from, path, why); // recalled, but not all of it
    }
    return true;
  }

  // /scene/N/name [s:name]
  char*               end = NULL;
  const unsigned long k   = strtoul(path + strlen("/scene/"), &end, 10);
  if (end == path + strlen("/scene/") || strcmp(end, "/name")) {
    return false;
  }
  if (k < 1U || k > MX_SCENES_MAX) {
    return refuse(d, from, path, range);
  }
  n = (unsigned)k;
  if (msg->argc) {
    const char* const name = mx_osc_arg_string(msg, 0);
    if (!name || msg->argc > 1) {
      return refuse(d, from, path, "takes one name (s)");
    }
    if (mx_desk_name_scene(d->desk, n, name, why, sizeof(why))) {
      return refuse(d, from, path, why);
    }
  }
  const char* const name = mx_scenes_name(mx_desk_scenes(d->desk), n);
  if (!name) {
    snprintf(why, sizeof(why), "scene %u is not stored", n);
    return refuse(d, from, path, why);
  }
  reply_name(d, from, path, name);
  return true;
}

// ---------------------------------------------------------------------------
// Dispatch

static bool
on_command(void* const data, const MxOscPeer* const from, const MxOscMessage* const msg)
{
  const DeskOsc        view_ = view(data);
  const DeskOsc* const d     = &view_;
  const char* const    path  = msg->path;
  if (!strncmp(path, "/session/", 9U)) {
    return session(d, from, msg);
  }
  if (!strncmp(path, "/scene/", 7U)) {
    return scene(d, from, msg);
  }
  if (!strcmp(path, "/undo") || !strcmp(path, "/redo")) {
    char           why[512];
    const MxStatus st = mx_desk_step(d->desk, path[1] == 'u', why, sizeof(why));
    if (st) {
      return refuse(d, from, path, why);
    }
    reply_steps(d, from, path);
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// The journal: the controller's changes into the undo history

static void
journal_begin(void* const data, const unsigned source, const double now_ms)
{
  mx_undo_begin(mx_desk_undo((MxDesk*)data), source, now_ms);
}

static void
journal_change(void* const    data,
               const MxNode   node,
               const MxParam  param,
               const uint32_t sub,
               const float    before,
               const float    after)
{
  mx_undo_record(mx_desk_undo((MxDesk*)data), node, param, sub, before, after);
}

static void
journal_topology(void* const data, const MxModel* const model)
{
  mx_undo_record_mix(mx_desk_undo((MxDesk*)data), model);
}

static void
journal_end(void* const data, const MxModel* const model)
{
  mx_undo_end(mx_desk_undo((MxDesk*)data), model);
}

void
mx_desk_osc_attach(MxDesk* const desk, MxOscControl* const control)
{
  const MxOscCommands commands = { on_command, desk };
  const MxOscJournal  journal  = {
      journal_begin, journal_change, journal_topology, journal_end, desk
  };
  mx_osc_control_set_commands(control, &commands);
  mx_osc_control_set_journal(control, &journal);
}
