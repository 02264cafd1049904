// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_SETTINGS_H
#define MX_DAEMON_SETTINGS_H

#include "log.h"
#include "server.h"

#include "common.h"
#include "model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/// The daemon's settings: one table drives the config files, the command line, --help and
/// mixd.conf(5).

/*
  Every setting has a name, which is both its key in mixd.conf
  ("osc-port = 7770") and its long option (--osc-port 7770), a type, a
  range, a default and one line of description.  Values are read, in
  order, from the built-in defaults, /etc/mixd/mixd.conf,
  $XDG_CONFIG_HOME/mixd/mixd.conf (~/.config/mixd/mixd.conf), and the
  command line, each overriding the one before.  A bad key or value in a
  file is "FILE:LINE: reason"; on the command line, a usage error.

  Main thread.
*/

/// Longest path a setting holds, bytes.
#define MX_SETTINGS_PATH_MAX 1024U
/// The system-wide settings file (the environment variable MIXD_SYSTEM_CONF overrides it).
#define MX_SETTINGS_SYSTEM_FILE "/etc/mixd/mixd.conf"

/// The settings.
typedef struct {
  char       session[MX_SETTINGS_PATH_MAX];     ///< Session file to start with ("" for none)
  char       session_dir[MX_SETTINGS_PATH_MAX]; ///< Where named sessions and autosaves live
  char       client_name[64];                   ///< JACK client name
  char       server_name[64];                   ///< JACK server ("" for the default)
  bool       no_wait;                           ///< Exit if no server answers at start
  bool       start_server;                      ///< Start a private dummy server
  unsigned   server_rate;                       ///< Its sample rate, Hz
  unsigned   server_period;                     ///< Its period, frames
  bool       osc;                               ///< Listen for OSC
  char       osc_listen[64];                    ///< Address to bind
  unsigned   osc_port;                          ///< UDP port
  MxCidr     osc_allow[MX_OSC_MAX_ALLOW];       ///< Networks allowed
  unsigned   n_osc_allow;                       ///< Entries of `osc_allow`
  unsigned   osc_lease;                         ///< Subscription lease, s
  char       osc_alias[MX_SETTINGS_PATH_MAX];   ///< Alias file ("" for none)
  MxLimits   limits;                            ///< Capacity
  unsigned   meter_ms;                          ///< Meter snapshot interval, ms
  unsigned   autosave_versions;                 ///< Autosaves kept per session
  bool       restore;                           ///< Restore the last session's autosave at start
  MxLogLevel log_level;                         ///< What the log shows
} MxSettings;

/// Set every setting to its default.
void
mx_settings_defaults(MxSettings* cfg);

/**
   Read one config file over `cfg`.

   @param missing_ok A file that does not exist is not an error.
   @param err Receives "FILE:LINE: reason" or "FILE: reason".
*/
MxStatus
mx_settings_read_file(MxSettings* cfg,
                      const char* path,
                      bool        missing_ok,
                      char*       err,
                      size_t      err_size);

/**
   Read the system and the user config file, in that order.

   @param err Receives the first error.
*/
MxStatus
mx_settings_read_files(MxSettings* cfg, char* err, size_t err_size);

/**
   Set one setting from text ("osc-port", "7770").

   @param why Receives the reason on error.
   @return MX_ERR_NOT_FOUND for an unknown name, MX_ERR_BAD_ARG or
   MX_ERR_RANGE for a bad value.
*/
MxStatus
mx_settings_set(MxSettings* cfg, const char* name, const char* value, char* why, size_t why_size);

/**
   Parse the command line over `cfg`: every setting as --NAME VALUE (a
   switch as --NAME alone, or --no-NAME for one that defaults on), plus
   -h/--help.

   @param prog What to call the program in messages ("mixd").
   @return 0 to run, 1 after printing the help (exit 0), 2 on a usage
   error (printed).
*/
int
mx_settings_parse_args(MxSettings* cfg, int argc, char** argv, const char* prog);

/// Print the options, from the table (for --help).
void
mx_settings_print_help(FILE* out);

/// Print the list of settings as mixd.conf(5) shows it (groff).
void
mx_settings_print_man(FILE* out);

/// Told of one setting that differs: its name, both values as a file writes
/// them, and whether a running mixd applies it on SIGHUP (mixd.conf(5)).
typedef void (
  *MxSettingsChangedCb)(const char* name, const char* was, const char* now, bool live, void* data);

/**
   Compare two sets of settings, one call of `cb` per setting that
   differs, in the table's order.

   @return The number of settings that differ.
*/
unsigned
mx_settings_diff(const MxSettings* was, const MxSettings* now, MxSettingsChangedCb cb, void* data);

/// Print every setting as a config file line with its current value (`mixd config`).
void
mx_settings_print(const MxSettings* cfg, FILE* out);

/**
   The session directory: `session_dir` with a leading "~/" made $HOME,
   or, when empty, $XDG_DATA_HOME/mixd/sessions (~/.local/share/mixd/sessions).

   @return MX_ERR_RANGE if it does not fit, MX_ERR_NOT_FOUND without a home.
*/
MxStatus
mx_settings_session_dir(const MxSettings* cfg, char* out, size_t size);

/// `mixd config [--man] [OPTION]...`: print the settings in effect, or the mixd.conf(5) list.
int
mx_settings_main(int argc, char** argv);

#endif // MX_DAEMON_SETTINGS_H
