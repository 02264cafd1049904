// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_NSM_H
#define MX_DAEMON_NSM_H

#include "common.h"

#include <stdbool.h>
#include <stddef.h>

/// The Non/New Session Manager client protocol (NSM API 1.1): announce, open, save, dirty.

/*
  DESIGN: one UDP socket (liblo, the protocol of NSM_URL, as the API
  requires), read from the daemon's loop; no thread.  Every message goes
  out from that socket (lo_send_from()), since the manager tells its
  clients apart by their return address.  The states:

      ANNOUNCING --/reply announce--> ANNOUNCED --open ok--> OPEN
          |  \                              ^                 |
          |   --/error announce--> REFUSED  +-- open again ---+ (:switch:)
          +-- no reply in MX_NSM_ANNOUNCE_MS --> GONE

  The manager's /nsm/client/open and /nsm/client/save are handed to the
  daemon's callbacks, which do the work before the reply is sent ("AFTER
  the action has been completed", API "Server to Client Control
  Messages"); a save before any open is refused with ERR_NO_SESSION_OPEN.
  Dirtiness is reported only on change (mx_nsm_set_dirty()).  Quit is
  SIGTERM, which the daemon handles as always.  Messages from any port
  but the manager's are dropped.  Main thread.

  Reference: https://new-session-manager.jackaudio.org/api/index.html
*/

/// API version announced (the API document's major and minor).
#define MX_NSM_API_MAJOR 1
#define MX_NSM_API_MINOR 1

/// How long the manager has to answer the announce, ms; then mixd runs without it.
#define MX_NSM_ANNOUNCE_MS 5000.0

/// Error codes of the API ("Error Code Definitions").
typedef enum {
  MX_NSM_OK                  = 0,
  MX_NSM_ERR_GENERAL         = -1,
  MX_NSM_ERR_INCOMPATIBLE    = -2,
  MX_NSM_ERR_BLACKLISTED     = -3,
  MX_NSM_ERR_LAUNCH_FAILED   = -4,
  MX_NSM_ERR_NO_SUCH_FILE    = -5,
  MX_NSM_ERR_NO_SESSION_OPEN = -6,
  MX_NSM_ERR_UNSAVED_CHANGES = -7,
  MX_NSM_ERR_NOT_NOW         = -8,
  MX_NSM_ERR_BAD_PROJECT     = -9,
  MX_NSM_ERR_CREATE_FAILED   = -10,
} MxNsmError;

/// Where the conversation with the manager is.
typedef enum {
  MX_NSM_ANNOUNCING, ///< Announced, no answer yet
  MX_NSM_ANNOUNCED,  ///< Under session management, no session opened yet
  MX_NSM_OPEN,       ///< A session is open
  MX_NSM_REFUSED,    ///< The manager answered the announce with an error
  MX_NSM_GONE,       ///< No answer to the announce in time
} MxNsmState;

/**
   What the daemon does for the manager.  Each callback returns MX_NSM_OK,
   or an MxNsmError with `why` set to a message for the user; the reply
   goes out when it returns.
*/
typedef struct {
  /// /nsm/client/open: switch to the project at `path`, JACK client name `client_id`.
  MxNsmError (*open)(void*       user_data,
                     const char* path,
                     const char* display_name,
                     const char* client_id,
                     char*       why,
                     size_t      why_size);
  /// /nsm/client/save: save the open project where open said.
  MxNsmError (*save)(void* user_data, char* why, size_t why_size);
  void* user_data;
} MxNsmHandlers;

/// A client of one session manager (opaque; heap object).
typedef struct MxNsmImpl MxNsm;

/**
   Make the socket to talk to the manager at `url` (NSM_URL).  Sends
   nothing yet: see mx_nsm_announce().

   Free with mx_nsm_free().
   @param handlers Copied.
   @param why Receives why on failure (a URL liblo cannot read, no socket).
   @return NULL on failure.
*/
MxNsm*
mx_nsm_new(const char* url, const MxNsmHandlers* handlers, char* why, size_t why_size);

/// Close the socket and free; NULL is a no-op.
void
mx_nsm_free(MxNsm* nsm);

/// The socket, to watch for reading (then call mx_nsm_receive()).
int
mx_nsm_fd(const MxNsm* nsm);

/**
   Send /nsm/server/announce with `app_name` (also the JACK client name
   mixd would use), the capabilities (":switch:dirty:"), `executable`
   (argv[0]), the API version and the process id; the manager then has
   MX_NSM_ANNOUNCE_MS to answer.

   @return MX_ERR_INTERNAL if it could not be sent (state GONE).
*/
MxStatus
mx_nsm_announce(MxNsm* nsm, const char* app_name, const char* executable, double now_ms);

/// Read and handle every message waiting on the socket (never blocks).
void
mx_nsm_receive(MxNsm* nsm);

/// Move the announce timeout on; call every loop tick.  @return The state.
MxNsmState
mx_nsm_tick(MxNsm* nsm, double now_ms);

/// The state.
MxNsmState
mx_nsm_state(const MxNsm* nsm);

/// The manager's name (from its announce reply), or its refusal; "" before.
const char*
mx_nsm_manager(const MxNsm* nsm);

/**
   Tell the manager whether there are unsaved changes: /nsm/client/is_dirty
   or /nsm/client/is_clean, only when it differs from what was last told
   (the manager takes a client it just opened as clean).  Nothing before
   an open succeeded.
*/
void
mx_nsm_set_dirty(MxNsm* nsm, bool dirty);

#endif // MX_DAEMON_NSM_H
