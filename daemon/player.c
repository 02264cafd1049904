// SPDX-License-Identifier: GPL-3.0-or-later

// `mixd play`: sound files into JACK ports, every channel in step, for the
// live demo (and anyone feeding mixd from files).

#include "player.h"

#include "jack_rt.h"

#include <jack/jack.h>
#include <sndfile.h>

#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/// Most files one player plays
#define MAX_TRACKS 64U

/// One channel of one file, and where it goes
typedef struct {
  float*       data;   ///< The whole channel
  sf_count_t   frames; ///< Its length
  jack_port_t* port;   ///< Our output port
  char*        dest;   ///< The port it is connected to, or NULL
} Track;

typedef struct {
  Track               tracks[MAX_TRACKS];
  unsigned            n_tracks;
  sf_count_t          length; ///< Frames of the longest track
  atomic_int_fast64_t pos;    ///< Next frame to play; negative: not started
  atomic_bool         done;   ///< Played to the end
} Player;

static atomic_bool interrupted;

static void
on_signal(const int sig)
{
  (void)sig;
  atomic_store(&interrupted, true);
}

// Realtime: copy the next block of every track, silence past its end
static int
process_cb(const jack_nframes_t n, void* const arg) MX_RT
{
  Player* const      p   = (Player*)arg;
  const int_fast64_t pos = atomic_load(&p->pos);
  for (unsigned t = 0U; t < p->n_tracks; ++t) {
    const Track* const track = &p->tracks[t];
    float* const       out   = (float*)mx_jack_port_buffer(track->port, n);
    for (jack_nframes_t i = 0U; i < n; ++i) {
      const int_fast64_t k = pos + (int_fast64_t)i;
      out[i]               = k >= 0 && k < track->frames ? track->data[k] : 0.0f;
    }
  }
  if (pos >= 0) {
    atomic_store(&p->pos, pos + (int_fast64_t)n);
    if (pos + (int_fast64_t)n >= p->length) {
      atomic_store(&p->done, true);
    }
  }
  return 0;
}

// FILE=DEST[,DEST]: read the file, one track per channel
static int
load(Player* const p, char* const arg)
{
  char* const eq = strchr(arg, '=');
  if (!eq) {
    fprintf(stderr, "mixd play: '%s' is not FILE=PORT[,PORT]\n", arg);
    return 2;
  }
  *eq = '\0';

  SF_INFO        info = { 0 };
  SNDFILE* const file = sf_open(arg, SFM_READ, &info);
  if (!file) {
    fprintf(stderr, "mixd play: %s: %s\n", arg, sf_strerror(NULL));
    return 1;
  }
  const unsigned nch  = (unsigned)info.channels;
  float* const   all  = (float*)malloc((size_t)info.frames * nch * sizeof(float));
  const bool     read = all && sf_readf_float(file, all, info.frames) == info.frames;
  sf_close(file);
  if (!read || p->n_tracks + nch > MAX_TRACKS) {
    fprintf(stderr, "mixd play: %s: %s\n", arg, read ? "too many channels" : "cannot read it");
    free(all);
    return 1;
  }

  char* save = NULL;
  char* dest = strtok_r(eq + 1, ",", &save);
  for (unsigned c = 0U; c < nch; ++c) {
    Track* const t = &p->tracks[p->n_tracks++];
    t->frames      = info.frames;
    t->data        = (float*)malloc((size_t)info.frames * sizeof(float));
    t->dest        = dest ? strdup(dest) : NULL;
    if (!t->data) {
      free(all);
      return 1;
    }
    for (sf_count_t i = 0; i < info.frames; ++i) {
      t->data[i] = all[(size_t)i * nch + c];
    }
    dest = strtok_r(NULL, ",", &save);
  }
  p->length = info.frames > p->length ? info.frames : p->length;
  free(all);
  return 0;
}

static void
print_usage(FILE* const out)
{
  fprintf(out,
          "Usage: mixd play [-S SERVER] [-n CLIENT] FILE=PORT[,PORT]...\n"
          "Play sound files into JACK ports (channel c of FILE to its c-th PORT),\n"
          "every channel in step, once; exit at the end or on SIGINT/SIGTERM.\n");
}

int
mx_player_main(int argc, char** argv)
{
  static const struct option options[] = { { "server", required_argument, NULL, 'S' },
                                           { "name", required_argument, NULL, 'n' },
                                           { "help", no_argument, NULL, 'h' },
                                           { NULL, 0, NULL, 0 } };
  const char*                server    = NULL;
  const char*                name      = "mixd-play";
  int                        opt       = 0;
  optind                               = 1;
  while ((opt = getopt_long(argc, argv, "S:n:h", options, NULL)) != -1) {
    if (opt == 'S') {
      server = optarg;
    } else if (opt == 'n') {
      name = optarg;
    } else {
      print_usage(opt == 'h' ? stdout : stderr);
      return opt == 'h' ? 0 : 2;
    }
  }
  if (optind == argc) {
    print_usage(stderr);
    return 2;
  }

  static Player player;
  memset(&player, 0, sizeof(player));
  atomic_store(&player.pos, -1);
  int status = 0;
  for (int i = optind; !status && i < argc; ++i) {
    status = load(&player, argv[i]);
  }

  jack_status_t        js = (jack_status_t)0;
  jack_client_t* const client =
    status
      ? NULL
      : jack_client_open(
          name, (jack_options_t)(JackNoStartServer | (server ? JackServerName : 0)), &js, server);
  if (!status && !client) {
    fprintf(
      stderr, "mixd play: no JACK server%s%s\n", server ? " named " : "", server ? server : "");
    status = 1;
  }
  for (unsigned t = 0U; !status && t < player.n_tracks; ++t) {
    char port[32];
    snprintf(port, sizeof(port), "out_%u", t + 1U);
    player.tracks[t].port =
      jack_port_register(client, port, JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0U);
    status = player.tracks[t].port ? 0 : 1;
  }
  if (!status) {
    jack_set_process_callback(client, process_cb, &player);
    status = jack_activate(client) ? 1 : 0;
  }
  for (unsigned t = 0U; !status && t < player.n_tracks; ++t) {
    const Track* const track = &player.tracks[t];
    if (track->dest && jack_connect(client, jack_port_name(track->port), track->dest)) {
      fprintf(stderr, "mixd play: cannot connect to %s\n", track->dest);
      status = 1;
    }
  }

  // Start every track together, on the next period
  if (!status) {
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    atomic_store(&player.pos, 0);
    const struct timespec tick = { 0, 10000000L };
    while (!atomic_load(&player.done) && !atomic_load(&interrupted)) {
      nanosleep(&tick, NULL);
    }
  }
  if (client) {
    jack_deactivate(client);
    jack_client_close(client);
  }
  for (unsigned t = 0U; t < player.n_tracks; ++t) {
    free(player.tracks[t].data);
    free(player.tracks[t].dest);
  }
  return status;
}
