// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_PORTS_H
#define MX_DAEMON_PORTS_H

#include "common.h"

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

/// Port patterns of connection rules, and the names of mixd's own ports.

/*
  A connection rule (/jack/connect FROM TO) names ports by pattern: a
  POSIX extended regular expression matched against whole port names
  ("system:capture_1" is then just the exact name, "ardour:.*" any port of
  that client).  A pattern without a ':' names ports of mixd's own client,
  whatever it is called ("vocal_in", "master_out_.*").

  Own ports are named after their strip or bus: "NAME_in" for a mono
  strip, "NAME_in_L" and "NAME_in_R" for a stereo one; "NAME_out" or
  "NAME_out_L"/"NAME_out_R" for a bus; "master_out_L/R"; "monitor_out_L/R".
  Main thread.
*/

/// Longest short port name mixd makes: a strip or bus name and "_out_L".
#define MX_PORT_SHORT_MAX 40U

/// A compiled pattern.
typedef struct {
  regex_t re; ///< Anchored at both ends
} MxPortPattern;

/**
   Check a pattern's syntax, for a session line.

   @param why Receives the reason on error.
   @return MX_SUCCESS or MX_ERR_BAD_ARG.
*/
MxStatus
mx_port_pattern_check(const char* pattern, char* why, size_t why_size);

/**
   Compile a pattern; a pattern without ':' is put under `client`.

   Free with mx_port_pattern_free().
   @return MX_ERR_BAD_ARG for a bad pattern, MX_ERR_NO_MEMORY.
*/
MxStatus
mx_port_pattern_compile(MxPortPattern* pattern, const char* text, const char* client);

/// True if the whole of `port` (a full "client:port" name) matches.
bool
mx_port_pattern_match(const MxPortPattern* pattern, const char* port);

/// Free a compiled pattern.
void
mx_port_pattern_free(MxPortPattern* pattern);

/**
   Write a port name as a pattern that matches just that name (the
   regular expression's special characters escaped).

   @return false if it does not fit in `size` bytes.
*/
bool
mx_port_pattern_escape(const char* name, char* out, size_t size);

/**
   Write the short name of one of a node's ports: "vocal_in", "keys_in_L",
   "drums_out_R", "master_out_L", "monitor_out_R".

   @param input True for a strip's input, false for an output.
   @param channels The node's channels (1 or 2).
   @param c The channel, 0 or 1.
*/
void
mx_port_short_name(char*       buf,
                   size_t      size,
                   const char* node,
                   bool        input,
                   unsigned    channels,
                   unsigned    c);

#endif // MX_DAEMON_PORTS_H
