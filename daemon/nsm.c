// SPDX-License-Identifier: GPL-3.0-or-later

#include "nsm.h"

#include "log.h"

#include <lo/lo.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/// What mixd can do for a manager (API "Available Client Capabilities"):
/// switch sessions without a restart, and tell unsaved changes
#define CAPABILITIES ":switch:dirty:"

struct MxNsmImpl {
  lo_address    manager;     ///< NSM_URL
  lo_server     server;      ///< The one socket every message goes out from
  MxNsmHandlers handlers;    ///< The daemon's work
  MxNsmState    state;       ///< Where the conversation is
  double        deadline;    ///< When ANNOUNCING gives up, ms
  bool          told_dirty;  ///< What the manager was last told
  char          name[128];   ///< The manager's name, or why it refused
  char          reply[1024]; ///< A handler's message for the manager
};

// liblo's error handler has no user data (the lo_err_handler lesson): log only
static void
error_cb(const int num, const char* const msg, const char* const where)
{
  mx_log(MX_LOG_WARNING, "NSM: OSC error %d: %s (%s)", num, msg, where ? where : "-");
}

static void
send_reply(MxNsm* const nsm, const char* const path, const MxNsmError code)
{
  const int sent =
    code == MX_NSM_OK
      ? lo_send_from(nsm->manager, nsm->server, LO_TT_IMMEDIATE, "/reply", "ss", path, nsm->reply)
      : lo_send_from(nsm->manager,
                     nsm->server,
                     LO_TT_IMMEDIATE,
                     "/error",
                     "sis",
                     path,
                     (int32_t)code,
                     nsm->reply);
  if (sent < 0) {
    mx_log(MX_LOG_ERROR, "NSM: cannot answer %s: %s", path, lo_address_errstr(nsm->manager));
  }
}

// Only the manager speaks here: over UDP its messages come from its own port
static bool
from_manager(const MxNsm* const nsm, const lo_message msg)
{
  if (lo_address_get_protocol(nsm->manager) != LO_UDP) {
    return true;
  }
  const lo_address  source = lo_message_get_source(msg);
  const char* const port   = source ? lo_address_get_port(source) : NULL;
  return port && !strcmp(port, lo_address_get_port(nsm->manager));
}

// ---------------------------------------------------------------------------
// Handlers: one per message the API sends a client.  liblo hands
// arguments at 4-byte offsets in the packet, not aligned for lo_arg (which
// holds doubles): strings are read through a char pointer and numbers with
// memcpy, never through the union

// /reply "/nsm/server/announce" s:message s:name_of_session_manager s:capabilities
static int
reply_cb(const char* const path,
         const char* const types,
         lo_arg** const    argv,
         const int         argc,
         const lo_message  msg,
         void* const       data)
{
  (void)path;
  MxNsm* const nsm = (MxNsm*)data;
  if (!from_manager(nsm, msg) || argc < 1 || types[0] != 's') {
    return 0;
  }
  if (strcmp((const char*)argv[0], "/nsm/server/announce") || nsm->state != MX_NSM_ANNOUNCING) {
    mx_log(MX_LOG_DEBUG, "NSM: a reply to %s ignored", (const char*)argv[0]);
    return 0;
  }
  const bool full = argc >= 4 && !strncmp(types, "ssss", 4U);
  snprintf(nsm->name, sizeof(nsm->name), "%s", full ? (const char*)argv[2] : "a session manager");
  nsm->state = MX_NSM_ANNOUNCED;
  mx_log(MX_LOG_NOTICE,
         "NSM: under session management by %s%s%s",
         nsm->name,
         full ? ": " : "",
         full ? (const char*)argv[1] : "");
  return 0;
}

// /error "/nsm/server/announce" i:error_code s:error_message
static int
error_reply_cb(const char* const path,
               const char* const types,
               lo_arg** const    argv,
               const int         argc,
               const lo_message  msg,
               void* const       data)
{
  (void)path;
  MxNsm* const nsm = (MxNsm*)data;
  if (!from_manager(nsm, msg) || argc < 3 || strncmp(types, "sis", 3U)) {
    return 0;
  }
  if (strcmp((const char*)argv[0], "/nsm/server/announce") || nsm->state != MX_NSM_ANNOUNCING) {
    mx_log(MX_LOG_WARNING,
           "NSM: the manager reports on %s: %s",
           (const char*)argv[0],
           (const char*)argv[2]);
    return 0;
  }
  int32_t code = 0;
  memcpy(&code, argv[1], sizeof(code)); // liblo's arguments are not aligned for lo_arg
  snprintf(nsm->name, sizeof(nsm->name), "%s (code %d)", (const char*)argv[2], (int)code);
  nsm->state = MX_NSM_REFUSED;
  return 0;
}

// /nsm/client/open s:path_to_instance_specific_project s:display_name s:client_id
static int
open_cb(const char* const path,
        const char* const types,
        lo_arg** const    argv,
        const int         argc,
        const lo_message  msg,
        void* const       data)
{
  (void)types;
  (void)argc;
  MxNsm* const nsm = (MxNsm*)data;
  if (!from_manager(nsm, msg)) {
    return 0;
  }
  MxNsmError code = MX_NSM_ERR_NOT_NOW;
  snprintf(nsm->reply, sizeof(nsm->reply), "not under session management");
  if (nsm->state == MX_NSM_ANNOUNCED || nsm->state == MX_NSM_OPEN) {
    nsm->reply[0] = '\0';
    code          = nsm->handlers.open(nsm->handlers.user_data,
                              (const char*)argv[0],
                              (const char*)argv[1],
                              (const char*)argv[2],
                              nsm->reply,
                              sizeof(nsm->reply));
  }
  if (code == MX_NSM_OK) {
    if (!nsm->reply[0]) {
      snprintf(nsm->reply, sizeof(nsm->reply), "opened");
    }
    nsm->state      = MX_NSM_OPEN;
    nsm->told_dirty = false; // the manager takes a client it opened as clean
  } else if (nsm->state == MX_NSM_OPEN) {
    nsm->state = MX_NSM_ANNOUNCED; // the old session is closed
  }
  send_reply(nsm, path, code);
  return 0;
}

// /nsm/client/save
static int
save_cb(const char* const path,
        const char* const types,
        lo_arg** const    argv,
        const int         argc,
        const lo_message  msg,
        void* const       data)
{
  (void)types;
  (void)argv;
  (void)argc;
  MxNsm* const nsm = (MxNsm*)data;
  if (!from_manager(nsm, msg)) {
    return 0;
  }
  MxNsmError code = MX_NSM_ERR_NO_SESSION_OPEN;
  snprintf(nsm->reply, sizeof(nsm->reply), "no session is open");
  if (nsm->state == MX_NSM_OPEN) {
    nsm->reply[0] = '\0';
    code          = nsm->handlers.save(nsm->handlers.user_data, nsm->reply, sizeof(nsm->reply));
    if (code == MX_NSM_OK && !nsm->reply[0]) {
      snprintf(nsm->reply, sizeof(nsm->reply), "saved");
    }
  }
  send_reply(nsm, path, code);
  return 0;
}

// Informational messages (session_is_loaded) and anything else: no reply is due
static int
other_cb(const char* const path,
         const char* const types,
         lo_arg** const    argv,
         const int         argc,
         const lo_message  msg,
         void* const       data)
{
  (void)types;
  (void)argv;
  (void)argc;
  (void)msg;
  (void)data;
  mx_log(MX_LOG_DEBUG, "NSM: %s", path);
  return 0;
}

// ---------------------------------------------------------------------------
// The client

MxNsm*
mx_nsm_new(const char* const          url,
           const MxNsmHandlers* const handlers,
           char* const                why,
           const size_t               why_size)
{
  MxNsm* const nsm = (MxNsm*)calloc(1U, sizeof(MxNsm));
  if (!nsm) {
    snprintf(why, why_size, "out of memory");
    return NULL;
  }
  nsm->handlers = *handlers;
  nsm->state    = MX_NSM_ANNOUNCING;
  nsm->manager  = lo_address_new_from_url(url);
  if (!nsm->manager) {
    snprintf(why, why_size, "'%s' is not an OSC URL", url);
    mx_nsm_free(nsm);
    return NULL;
  }

  // The protocol of NSM_URL, any free port (API "NSM OSC Protocol")
  nsm->server = lo_server_new_with_proto(NULL, lo_address_get_protocol(nsm->manager), error_cb);
  if (!nsm->server) {
    snprintf(why, why_size, "cannot make a socket to talk to %s", url);
    mx_nsm_free(nsm);
    return NULL;
  }
  lo_server_add_method(nsm->server, "/reply", NULL, reply_cb, nsm);
  lo_server_add_method(nsm->server, "/error", NULL, error_reply_cb, nsm);
  lo_server_add_method(nsm->server, "/nsm/client/open", "sss", open_cb, nsm);
  lo_server_add_method(nsm->server, "/nsm/client/save", "", save_cb, nsm);
  lo_server_add_method(nsm->server, NULL, NULL, other_cb, nsm);
  return nsm;
}

void
mx_nsm_free(MxNsm* const nsm)
{
  if (!nsm) {
    return;
  }
  if (nsm->server) {
    lo_server_free(nsm->server);
  }
  if (nsm->manager) {
    lo_address_free(nsm->manager);
  }
  free(nsm);
}

int
mx_nsm_fd(const MxNsm* const nsm)
{
  return lo_server_get_socket_fd(nsm->server);
}

MxStatus
mx_nsm_announce(MxNsm* const      nsm,
                const char* const app_name,
                const char* const executable,
                const double      now_ms)
{
  nsm->state    = MX_NSM_ANNOUNCING;
  nsm->deadline = now_ms + MX_NSM_ANNOUNCE_MS;
  if (lo_send_from(nsm->manager,
                   nsm->server,
                   LO_TT_IMMEDIATE,
                   "/nsm/server/announce",
                   "sssiii",
                   app_name,
                   CAPABILITIES,
                   executable,
                   (int32_t)MX_NSM_API_MAJOR,
                   (int32_t)MX_NSM_API_MINOR,
                   (int32_t)getpid()) < 0) {
    snprintf(nsm->name, sizeof(nsm->name), "%s", lo_address_errstr(nsm->manager));
    nsm->state = MX_NSM_GONE;
    return MX_ERR_INTERNAL;
  }
  return MX_SUCCESS;
}

void
mx_nsm_receive(MxNsm* const nsm)
{
  while (lo_server_recv_noblock(nsm->server, 0) > 0) {
  }
}

MxNsmState
mx_nsm_tick(MxNsm* const nsm, const double now_ms)
{
  if (nsm->state == MX_NSM_ANNOUNCING && now_ms >= nsm->deadline) {
    snprintf(nsm->name, sizeof(nsm->name), "no answer to the announce");
    nsm->state = MX_NSM_GONE;
  }
  return nsm->state;
}

MxNsmState
mx_nsm_state(const MxNsm* const nsm)
{
  return nsm->state;
}

const char*
mx_nsm_manager(const MxNsm* const nsm)
{
  return nsm->name;
}

void
mx_nsm_set_dirty(MxNsm* const nsm, const bool dirty)
{
  if (nsm->state != MX_NSM_OPEN || dirty == nsm->told_dirty) {
    return;
  }
  const char* const path = dirty ? "/nsm/client/is_dirty" : "/nsm/client/is_clean";
  if (lo_send_from(nsm->manager, nsm->server, LO_TT_IMMEDIATE, path, "") < 0) {
    mx_log(MX_LOG_WARNING, "NSM: cannot send %s: %s", path, lo_address_errstr(nsm->manager));
    return; // told again at the next change
  }
  nsm->told_dirty = dirty;
}
