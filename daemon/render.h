// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_RENDER_H
#define MX_DAEMON_RENDER_H

#include "report.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/// `mixd render`: files through the engine, faster than real time, with a loudness report.

/// Most input files of one render.
#define MX_RENDER_MAX_INPUTS 1024U

/// Default period of a render, frames (a live run with the same period gives the same samples).
#define MX_RENDER_DEFAULT_BLOCK 256U

/// Output sample formats.
typedef enum {
  MX_RENDER_PCM_16, ///< 16-bit integer, TPDF dither
  MX_RENDER_PCM_24, ///< 24-bit integer, TPDF dither
  MX_RENDER_FLOAT,  ///< 32-bit float, no dither
} MxRenderSample;

/// One input: a file, for a strip named `strip` or (NULL) for the next strip in order.
typedef struct {
  const char* strip; ///< Strip name, or NULL
  const char* path;  ///< File
} MxRenderInput;

/// What a render reports of its master.
typedef struct {
  MxReport loudness; ///< The loudness report
  float    drive_db; ///< Limiter drive the pass used, dB
  bool     limiter;  ///< The master limiter was in
} MxRenderReport;

/// What to render.
typedef struct {
  const char*     session;                      ///< Session file
  MxRenderInput   inputs[MX_RENDER_MAX_INPUTS]; ///< Inputs
  size_t          n_inputs;                     ///< Entries of `inputs`
  const char*     output;                       ///< Master file (.wav or .flac)
  const char*     stems;                        ///< Directory for one file per bus, or NULL
  bool            normalize;   ///< Make the master's integrated loudness `target_lufs`
  double          target_lufs; ///< Target of --normalize, LUFS
  MxRenderSample  sample;      ///< Output sample format
  bool            sample_set;  ///< `sample` was chosen (else: float for WAV, 24-bit for FLAC)
  uint32_t        block;       ///< Period, frames
  bool            progress;    ///< Draw a progress bar on stderr
  MxRenderReport* result;      ///< Receives the report of the files written, if not NULL
  MxRenderReport*
    measured; ///< Receives the report of the first pass (before --normalize), if not NULL
} MxRenderOptions;

/**
   Run the `render` subcommand.

   @param argc, argv The arguments after "mixd" (argv[0] is "render").
   @return The exit status: 0 on success, 1 on a failure (bad session,
   unreadable or mismatched input, unwritable output), 2 on a usage error.
*/
int
mx_render_main(int argc, char** argv);

/**
   Render with options already parsed, printing the report on stdout and
   errors on stderr prefixed with `who` ("mixd render").

   @return The exit status, as mx_render_main().
*/
int
mx_render_run(const MxRenderOptions* opts, const char* who);

#endif // MX_DAEMON_RENDER_H
