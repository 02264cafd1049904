// SPDX-License-Identifier: GPL-3.0-or-later

// mkwav: write a test signal to a sound file, for the script tests.
//
//   mkwav FILE RATE CHANNELS FRAMES sine FREQ AMP
//   mkwav FILE RATE CHANNELS FRAMES noise AMP SEED
//   mkwav FILE RATE CHANNELS FRAMES impulse AT AMP
//
// The format follows the name: .wav (32-bit float), .flac (24-bit), or
// .pcm16.wav (16-bit).  Channel c of a sine is shifted by c radians.

#include <sndfile.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
ends_with(const char* const s, const char* const suffix)
{
  const size_t a = strlen(s);
  const size_t b = strlen(suffix);
  return a >= b && !strcmp(s + a - b, suffix);
}

int
main(int argc, char** argv)
{
  if (argc != 8) {
    fprintf(stderr, "usage: mkwav FILE RATE CHANNELS FRAMES sine|noise|impulse A B\n");
    return 2;
  }

  const char* const path     = argv[1];
  const int         rate     = atoi(argv[2]);
  const int         channels = atoi(argv[3]);
  const long        frames   = atol(argv[4]);
  const char* const kind     = argv[5];
  const double      a        = atof(argv[6]);
  const double      b        = atof(argv[7]);

  SF_INFO info      = { 0 };
  info.samplerate   = rate;
  info.channels     = channels;
  info.format       = ends_with(path, ".flac")        ? SF_FORMAT_FLAC | SF_FORMAT_PCM_24
                      : ends_with(path, ".pcm16.wav") ? SF_FORMAT_WAV | SF_FORMAT_PCM_16
                                                      : SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  float* const data = (float*)calloc((size_t)frames * (size_t)channels + 1U, sizeof(float));
  if (!data || channels < 1 || frames < 0) {
    fprintf(stderr, "mkwav: bad arguments\n");
    return 2;
  }

  uint32_t state = (uint32_t)b + 1U;
  for (long i = 0; i < frames; ++i) {
    for (int c = 0; c < channels; ++c) {
      double x = 0.0;
      if (!strcmp(kind, "sine")) {
        x = b * sin(2.0 * M_PI * a * (double)i / rate + c);
      } else if (!strcmp(kind, "noise")) {
        state = state * 1664525U + 1013904223U; // Numerical Recipes LCG
        x     = a * ((double)(state >> 8) / 8388608.0 - 1.0);
      } else {
        x = i == (long)a ? b : 0.0;
      }
      data[i * channels + c] = (float)x;
    }
  }

  SNDFILE* const file = sf_open(path, SFM_WRITE, &info);
  if (!file) {
    fprintf(stderr, "mkwav: %s: %s\n", path, sf_strerror(NULL));
    return 1;
  }
  sf_command(file, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
  const sf_count_t written = sf_writef_float(file, data, frames);
  sf_close(file);
  free(data);
  return written == frames ? 0 : 1;
}
