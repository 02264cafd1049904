// SPDX-License-Identifier: GPL-3.0-or-later

// Session files as documents (daemon/document.h): the mix, then an
// [aliases] section and [scene N "NAME"] sections.  Written and read back
// it is the same text; an error names the file and the line IN THE FILE;
// a document is taken whole or not at all, and no cut of one crashes.

#include "document.h"

#include "model.h"
#include "params.h"
#include "scenes.h"
#include "session.h"
#include "testutil.h"

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---------------------------------------------------------------- Helpers

// Assert that two texts are the same, showing where they part
#define mxt_assert_same_text(a, b)                                \
  do {                                                            \
    const char* const mxt_a_ = (a);                               \
    const char* const mxt_b_ = (b);                               \
    size_t            mxt_i_ = 0U;                                \
    while (mxt_a_[mxt_i_] && mxt_a_[mxt_i_] == mxt_b_[mxt_i_]) {  \
      ++mxt_i_;                                                   \
    }                                                             \
    ck_assert_msg(mxt_a_[mxt_i_] == mxt_b_[mxt_i_],               \
                  "texts differ at byte %zu: '%.60s' vs '%.60s'", \
                  mxt_i_,                                         \
                  mxt_a_ + (mxt_i_ > 20U ? mxt_i_ - 20U : 0U),    \
                  mxt_b_ + (mxt_i_ > 20U ? mxt_i_ - 20U : 0U));   \
  } while (0)

// Parse text that must be a good document
static void
parse_ok(const char* const text, const size_t len, MxDocument* const doc)
{
  const MxLimits limits   = mx_limits_default();
  char           err[768] = "";
  const MxStatus st       = mx_document_parse(text, len, "doc", &limits, doc, err, sizeof(err));
  ck_assert_msg(st == MX_SUCCESS, "refused: %s", err);
  ck_assert_ptr_nonnull(doc->mix);
  ck_assert_ptr_nonnull(doc->scenes);
}

static char*
format_ok(const MxDocument* const doc)
{
  char* const text = mx_document_format(doc->mix, doc->aliases, doc->scenes);
  ck_assert_ptr_nonnull(text);
  return text;
}

// The value of a control of a strip, by name
static float
strip_value(const MxModel* const model,
            const char* const    name,
            const MxParam        param,
            const uint32_t       sub)
{
  MxNode node = { MX_NODE_STRIP, 0U };
  float  v    = NAN;
  ck_assert_msg(mx_model_find(model, MX_NODE_STRIP, name, &node.index) == MX_SUCCESS, "%s", name);
  ck_assert_int_eq(mx_model_get(model, node, param, sub, &v), MX_SUCCESS);
  return v;
}

// The line (1-based) that holds the first `marker` of `text`
static unsigned
line_of(const char* const text, const char* const marker)
{
  const char* const at = strstr(text, marker);
  ck_assert_msg(at != NULL, "no '%s'", marker);
  unsigned line = 1U;
  for (const char* c = text; c < at; ++c) {
    line += *c == '\n';
  }
  return line;
}

// ---------------------------------------------------------------- A whole document

// In the canonical form: what mx_document_format() writes
static const char doc_text[] = "# mixd session\n"
                               "/strip/add kick 1\n"
                               "/strip/add vox 1\n"
                               "/bus/add verb aux 2\n"
                               "/strip/kick/fader -3\n"
                               "/strip/vox/send/verb/level -12\n"
                               "\n"
                               "[aliases]\n"
                               "/fader1 /strip/kick/fader\n"
                               "/knob1 /strip/vox/send/verb/level -60 0\n"
                               "\n"
                               "[scene 1 \"Verse\"]\n"
                               "# mixd session\n"
                               "/strip/add kick 1\n"
                               "/strip/kick/fader -10\n"
                               "\n"
                               "[scene 7 \"Chorus \\\"big\\\" \\\\ end\"]\n"
                               "# mixd session\n"
                               "/strip/add kick 1\n"
                               "/strip/add vox 1\n"
                               "/strip/vox/fader 2\n"
                               "\n"
                               "[scene 100 \"\"]\n"
                               "# mixd session\n";

START_TEST(document_parses)
{
  MxDocument doc;
  parse_ok(doc_text, sizeof(doc_text) - 1U, &doc);

  // The mix
  ck_assert_uint_eq(mx_model_count(doc.mix, MX_NODE_STRIP), 2U);
  ck_assert_uint_eq(mx_model_count(doc.mix, MX_NODE_BUS), 1U);
  mxt_assert_same(strip_value(doc.mix, "kick", MX_P_FADER, 0U), -3.0f);
  mxt_assert_same(strip_value(doc.mix, "vox", MX_P_SEND_LEVEL, 0U), -12.0f);

  // The aliases, as written
  ck_assert_ptr_nonnull(doc.aliases);
  ck_assert_str_eq(doc.aliases,
                   "/fader1 /strip/kick/fader\n/knob1 /strip/vox/send/verb/level -60 0\n");

  // The scenes, with their names and their text
  for (unsigned n = 1U; n <= MX_SCENES_MAX; ++n) {
    ck_assert_msg(mx_scenes_exists(doc.scenes, n) == (n == 1U || n == 7U || n == 100U), "%u", n);
  }
  ck_assert_str_eq(mx_scenes_name(doc.scenes, 1U), "Verse");
  ck_assert_str_eq(mx_scenes_name(doc.scenes, 7U), "Chorus \"big\" \\ end");
  ck_assert_str_eq(mx_scenes_name(doc.scenes, 100U), "");
  ck_assert_str_eq(mx_scenes_text(doc.scenes, 1U),
                   "# mixd session\n/strip/add kick 1\n/strip/kick/fader -10\n");
  ck_assert_str_eq(mx_scenes_text(doc.scenes, 7U),
                   "# mixd session\n/strip/add kick 1\n/strip/add vox 1\n/strip/vox/fader 2\n");
  ck_assert_str_eq(mx_scenes_text(doc.scenes, 100U), "# mixd session\n");
  mx_document_clear(&doc);
  ck_assert_ptr_null(doc.mix);
  ck_assert_ptr_null(doc.aliases);
  ck_assert_ptr_null(doc.scenes);
}
END_TEST

START_TEST(canonical_document_is_a_fixed_point)
{
  MxDocument doc;
  parse_ok(doc_text, sizeof(doc_text) - 1U, &doc);
  char* const text = format_ok(&doc);
  mxt_assert_same_text(text, doc_text);

  // And again, from what was written
  MxDocument again;
  parse_ok(text, strlen(text), &again);
  char* const twice = format_ok(&again);
  mxt_assert_same_text(twice, doc_text);
  free(twice);
  free(text);
  mx_document_clear(&again);
  mx_document_clear(&doc);
}
END_TEST

START_TEST(loose_document_reads_as_the_canonical_one)
{
  // Comments, blank lines, CRLF, indented headers, scene text not in the
  // canonical form: the same document
  static const char loose[] = "/strip/add kick 1   # the kick\n"
                              "/strip/add vox 1\r\n"
                              "/bus/add verb aux 2\n"
                              "/strip/vox/send/verb/level -12\n"
                              "/strip/kick/fader -3\n"
                              "\n\n"
                              "  [aliases]  \r\n"
                              "/fader1 /strip/kick/fader\n"
                              "/knob1 /strip/vox/send/verb/level -60 0\n"
                              "\n"
                              "\t[scene 7 \"Chorus \\\"big\\\" \\\\ end\"]\n"
                              "/strip/add kick 1\n"
                              "# a comment\n"
                              "/strip/add vox 1\n"
                              "/strip/vox/fader 2.0\n"
                              "/strip/kick/fader 0\n"
                              "[scene 100 \"\"]\n"
                              "[scene 1 \"Verse\"]\n"
                              "/strip/add kick 1\n"
                              "/strip/kick/fader -10";
  MxDocument        doc;
  parse_ok(loose, sizeof(loose) - 1U, &doc);
  char* const text = format_ok(&doc);
  mxt_assert_same_text(text, doc_text);
  free(text);
  mx_document_clear(&doc);
}
END_TEST

// Scene names that need quoting and escaping, or none
#define BACKSLASHES_8 "\\\\\\\\\\\\\\\\"
static const char* const scene_names[] = {
  "Verse",
  "",
  "say \"hi\"",
  "back\\slash",
  "end\\",
  "\\",
  "\"",
  "\\\"",
  "\"\"",
  "]",
  "[x]",
  "a]\"b",
  "  spaced  out  ",
  "# not a comment",
  "scene 2",
  "caf\xC3\xA9 \xE2\x99\xAA",
  BACKSLASHES_8 BACKSLASHES_8 BACKSLASHES_8 BACKSLASHES_8,           // 32 backslashes
  "123456789012345678901234567890123456789012345678901234567890123", // 63 bytes: the longest
};

START_TEST(scene_name_survives)
{
  const char* const name   = scene_names[_i];
  const MxLimits    limits = mx_limits_default();
  MxModel* const    mix    = mx_model_new(&limits, false);
  ck_assert_ptr_nonnull(mix);
  ck_assert_int_eq(mx_model_add_strip(mix, "a", 1U, NULL), MX_SUCCESS);
  MxScenes* const scenes = mx_scenes_new();
  ck_assert_ptr_nonnull(scenes);
  char why[512] = "";
  ck_assert_msg(mx_scenes_store(scenes, 5U, name, mix, why, sizeof(why)) == MX_SUCCESS, "%s", why);
  ck_assert_msg(mx_scenes_store(scenes, 6U, name, mix, why, sizeof(why)) == MX_SUCCESS, "%s", why);

  char* const text = mx_document_format(mix, NULL, scenes);
  ck_assert_ptr_nonnull(text);
  MxDocument doc;
  parse_ok(text, strlen(text), &doc);
  ck_assert_str_eq(mx_scenes_name(doc.scenes, 5U), name);
  ck_assert_str_eq(mx_scenes_name(doc.scenes, 6U), name);
  ck_assert_str_eq(mx_scenes_text(doc.scenes, 5U), mx_scenes_text(scenes, 5U));
  ck_assert_ptr_null(doc.aliases);
  char* const again = format_ok(&doc);
  mxt_assert_same_text(again, text);

  free(again);
  mx_document_clear(&doc);
  free(text);
  mx_scenes_free(scenes);
  mx_model_free(mix);
}
END_TEST

// Aliases however they end: written and read, the same document
static const char* const alias_texts[] = {
  "/f1 /strip/a/fader\n",
  "/f1 /strip/a/fader",
  "/f1 /strip/a/fader\n\n\n",
  "# surface\n/f1 /strip/a/fader\n# end\n",
  "/f1 /strip/a/fader\r\n/f2 /strip/a/trim\r\n",
  "\n\n/f1 /strip/a/fader\n",
};

START_TEST(aliases_round_trip)
{
  const char* const aliases = alias_texts[_i];
  const MxLimits    limits  = mx_limits_default();
  MxModel* const    mix     = mx_model_new(&limits, false);
  ck_assert_ptr_nonnull(mix);
  ck_assert_int_eq(mx_model_add_strip(mix, "a", 1U, NULL), MX_SUCCESS);
  MxScenes* const scenes = mx_scenes_new();
  ck_assert_ptr_nonnull(scenes);

  // With scenes after the aliases, and without
  for (int with_scenes = 0; with_scenes < 2; ++with_scenes) {
    char why[512] = "";
    if (with_scenes) {
      ck_assert_int_eq(mx_scenes_store(scenes, 2U, "Two", mix, why, sizeof(why)), MX_SUCCESS);
    }
    char* const text = mx_document_format(mix, aliases, scenes);
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(strstr(text, "\n[aliases]\n"));
    MxDocument doc;
    parse_ok(text, strlen(text), &doc);
    ck_assert_ptr_nonnull(doc.aliases);
    ck_assert_ptr_nonnull(strstr(doc.aliases, "/f1 /strip/a/fader"));
    ck_assert_int_eq(doc.aliases[strlen(doc.aliases) - 1U], '\n');
    ck_assert(mx_scenes_exists(doc.scenes, 2U) == (with_scenes != 0));
    char* const again = format_ok(&doc);
    mxt_assert_same_text(again, text);

    // What is read is what was given, but for a last newline and blank lines
    const char* a = aliases;
    const char* b = doc.aliases;
    while (*a == *b && *a) {
      ++a, ++b;
    }
    ck_assert_msg(strspn(a, "\n") == strlen(a) && strspn(b, "\n") == strlen(b),
                  "aliases read as '%s'",
                  doc.aliases);
    free(again);
    mx_document_clear(&doc);
    free(text);
  }
  mx_scenes_free(scenes);
  mx_model_free(mix);
}
END_TEST

START_TEST(document_from_the_api_round_trips)
{
  // A mix, aliases and three scenes built by hand, written and read back
  const MxLimits limits = mx_limits_default();
  MxModel* const mix    = mx_model_new(&limits, false);
  ck_assert_ptr_nonnull(mix);
  ck_assert_int_eq(mx_model_add_strip(mix, "kick", 1U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_strip(mix, "keys", 2U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_bus(mix, "verb", MX_BUS_AUX, 2U, NULL), MX_SUCCESS);
  const MxNode kick   = { MX_NODE_STRIP, 0U };
  const MxNode keys   = { MX_NODE_STRIP, 1U };
  MxScenes*    scenes = mx_scenes_new();
  ck_assert_ptr_nonnull(scenes);
  char why[512] = "";
  for (unsigned n = 1U; n <= 3U; ++n) {
    ck_assert_int_eq(mx_model_set(mix, kick, MX_P_FADER, 0U, -1.0f * (float)n), MX_SUCCESS);
    ck_assert_int_eq(mx_model_set(mix, keys, MX_P_WIDTH, 0U, 0.5f * (float)n), MX_SUCCESS);
    ck_assert_int_eq(mx_model_set(mix, kick, MX_P_SEND_LEVEL, 0U, -10.0f * (float)n), MX_SUCCESS);
    char name[32];
    snprintf(name, sizeof(name), "Scene \"%u\"", n);
    ck_assert_int_eq(mx_scenes_store(scenes, n * 10U, name, mix, why, sizeof(why)), MX_SUCCESS);
  }
  ck_assert_int_eq(mx_model_set(mix, kick, MX_P_MUTE, 0U, 1.0f), MX_SUCCESS);

  static const char aliases[] = "/f1 /strip/kick/fader\n/w /strip/keys/width 0 2\n";
  char* const       text      = mx_document_format(mix, aliases, scenes);
  ck_assert_ptr_nonnull(text);
  MxDocument doc;
  parse_ok(text, strlen(text), &doc);
  ck_assert_str_eq(doc.aliases, aliases);
  char* const mix_text = mx_session_format(mix);
  char* const got_mix  = mx_session_format(doc.mix);
  ck_assert_str_eq(got_mix, mix_text);
  for (unsigned n = 1U; n <= MX_SCENES_MAX; ++n) {
    ck_assert(mx_scenes_exists(doc.scenes, n) == mx_scenes_exists(scenes, n));
    if (mx_scenes_exists(scenes, n)) {
      ck_assert_str_eq(mx_scenes_name(doc.scenes, n), mx_scenes_name(scenes, n));
      ck_assert_str_eq(mx_scenes_text(doc.scenes, n), mx_scenes_text(scenes, n));
    }
  }
  ck_assert_ptr_nonnull(strstr(mx_scenes_text(doc.scenes, 20U), "\n/strip/kick/fader -2\n"));
  ck_assert_ptr_nonnull(strstr(mx_scenes_text(doc.scenes, 30U), "\n/strip/keys/width 1.5\n"));
  char* const again = format_ok(&doc);
  mxt_assert_same_text(again, text);

  // Only the parts given are written
  char* const bare = mx_document_format(mix, NULL, NULL);
  ck_assert_str_eq(bare, mix_text);
  char* const none = mx_document_format(mix, "", NULL);
  ck_assert_str_eq(none, mix_text);
  free(none);
  free(bare);
  free(again);
  free(got_mix);
  free(mix_text);
  mx_document_clear(&doc);
  free(text);
  mx_scenes_free(scenes);
  mx_model_free(mix);
}
END_TEST

// ---------------------------------------------------------------- Accepted forms

START_TEST(empty_text_is_an_empty_mix)
{
  static const char* const empties[] = { "", "\n", "# only a comment\n", "\r\n\r\n", "   " };
  for (size_t i = 0U; i < sizeof(empties) / sizeof(*empties); ++i) {
    MxDocument doc;
    parse_ok(empties[i], strlen(empties[i]), &doc);
    ck_assert_uint_eq(mx_model_count(doc.mix, MX_NODE_STRIP), 0U);
    ck_assert_uint_eq(mx_model_count(doc.mix, MX_NODE_BUS), 0U);
    ck_assert_ptr_null(doc.aliases);
    for (unsigned n = 1U; n <= MX_SCENES_MAX; ++n) {
      ck_assert(!mx_scenes_exists(doc.scenes, n));
    }
    char* const text = format_ok(&doc);
    ck_assert_str_eq(text, "# mixd session\n");
    free(text);
    mx_document_clear(&doc);
  }
}
END_TEST

START_TEST(header_forms)
{
  // A header on the first line, an unquoted name, none, an empty section
  static const char text[] = "[scene 3 Verse 2]\n"
                             "/strip/add a 1\n"
                             "[scene 4]\n"
                             "[scene\t5\t\"tabbed\"]\n"
                             "[aliases]\n";
  MxDocument        doc;
  parse_ok(text, sizeof(text) - 1U, &doc);
  ck_assert_uint_eq(mx_model_count(doc.mix, MX_NODE_STRIP), 0U);
  ck_assert_str_eq(mx_scenes_name(doc.scenes, 3U), "Verse 2");
  ck_assert_str_eq(mx_scenes_text(doc.scenes, 3U), "# mixd session\n/strip/add a 1\n");
  ck_assert_str_eq(mx_scenes_name(doc.scenes, 4U), "");
  ck_assert_str_eq(mx_scenes_text(doc.scenes, 4U), "# mixd session\n");
  ck_assert_str_eq(mx_scenes_name(doc.scenes, 5U), "tabbed");
  ck_assert_ptr_nonnull(doc.aliases);
  ck_assert_str_eq(doc.aliases, "");
  mx_document_clear(&doc);
}
END_TEST

START_TEST(clear_an_empty_document)
{
  MxDocument doc;
  memset(&doc, 0, sizeof(doc));
  mx_document_clear(&doc);
  mx_document_clear(&doc);
  ck_assert_ptr_null(doc.mix);
  ck_assert_ptr_null(doc.scenes);
}
END_TEST

// ---------------------------------------------------------------- Refused text

/// A bad document: where it fails and why
typedef struct {
  const char* text; ///< The document
  size_t      len;  ///< Its length
  unsigned    line; ///< The line reported
  const char* why;  ///< Part of the reason
} BadDoc;

#define BAD(text, line, why)           \
  {                                    \
    text, sizeof(text) - 1U, line, why \
  }

#define MIX "# mixd session\n/strip/add kick 1\n/strip/kick/fader -3\n\n"      // 4 lines
#define ALIASES "[aliases]\n/f1 /strip/kick/fader\n\n"                         // 3 lines
#define SCENE1 "[scene 1 \"A\"]\n/strip/add kick 1\n/strip/kick/fader -10\n\n" // 4 lines

static const BadDoc bad_docs[] = {
  // Bad lines of the session language, in the mix and in scenes
  BAD("# mixd session\n/strip/add kick 1\n/strip/kick/trim 99\n", 3U, "out of range for trim"),
  BAD(MIX ALIASES SCENE1 "[scene 2 \"B\"]\n/strip/kick/fader 1\n", 13U, "no strip named 'kick'"),
  BAD(MIX ALIASES "[scene 2 \"B\"]\n/strip/add kick 1\n\n# c\n/strip/kick/fader 99\n",
      12U,
      "99 is out of range for fader"),
  BAD(MIX SCENE1 SCENE1, 9U, "scene 1 appears twice"),
  BAD(MIX SCENE1 "[scene 2]\n/strip/add kick 1\n/strip/add kick 1\n", 11U, "kick"),
  BAD(MIX "[scene 9]\n/nothing 1\n", 6U, "no such address"),
  BAD(MIX "[scene 9]\n/strip/add a 1\n/strip/a/fader \"x\n", 7U, ""),
  // Headers
  BAD(MIX "[foo]\n", 5U, "not a section header"),
  BAD(MIX ALIASES "[Aliases]\n", 8U, "not a section header"),
  BAD(MIX "[]\n", 5U, "not a section header"),
  BAD(MIX "[ aliases]\n", 5U, "not a section header"),
  BAD(MIX "[scene 2 \"B\"\n/strip/add kick 1\n", 5U, "not a section header"),
  BAD(MIX "[aliases\n", 5U, "not a section header"),
  BAD(MIX "[\n", 5U, "not a section header"),
  BAD(MIX "[scenery 1]\n", 5U, "unknown section [scenery 1]"),
  BAD(MIX "[scene]\n", 5U, "unknown section [scene]"),
  BAD(MIX "[scene1]\n", 5U, "unknown section [scene1]"),
  BAD(MIX ALIASES ALIASES, 8U, "a second [aliases] section"),
  BAD(MIX ALIASES SCENE1 ALIASES, 12U, "a second [aliases] section"),
  // Scene numbers and names
  BAD(MIX "[scene 0 \"zero\"]\n", 5U, "scene numbers are 1 to 100"),
  BAD(MIX "[scene 101]\n", 5U, "scene numbers are 1 to 100"),
  BAD(MIX "[scene -1]\n", 5U, "scene numbers are 1 to 100"),
  BAD(MIX "[scene 18446744073709551617]\n", 5U, "scene numbers are 1 to 100"),
  BAD(MIX "[scene x]\n", 5U, "scene numbers are 1 to 100"),
  BAD(MIX "[scene  ]\n", 5U, "scene numbers are 1 to 100"),
  BAD(MIX "[scene 1 \"A\" B]\n", 5U, "a scene name in quotes must end the header"),
  BAD(MIX "[scene 1 \"A]\n", 5U, "a scene name in quotes must end the header"),
  BAD(MIX "[scene 1 \"a\tb\"]\n", 5U, "control characters"),
  BAD(MIX SCENE1 "[scene 2 \"1234567890123456789012345678901234567890123456789012345678901234\"]\n",
      9U,
      "at most 63 bytes"),
  // NUL bytes: not text
  BAD(MIX "[aliases]\n/f1 /strip/kick/fader\n\0/f2 /strip/kick/trim\n", 7U, "NUL"),
  BAD(MIX "[aliases\0]\n", 5U, "NUL"),
  BAD(MIX SCENE1 "[scene 2 \"B\0\"]\n", 9U, "NUL"),
  BAD("/strip/add kick 1\n/strip/kick/fader 1\0\n", 2U, "NUL"),
};

START_TEST(refuses_bad_document)
{
  const BadDoc* const c      = &bad_docs[_i];
  const MxLimits      limits = mx_limits_default();
  MxDocument          doc;
  char                err[768] = "";
  char                prefix[64];
  memset(&doc, 0x5A, sizeof(doc)); // Not NULL: must be cleared
  ck_assert_int_ne(
    mx_document_parse(c->text, c->len, "show.session", &limits, &doc, err, sizeof(err)),
    MX_SUCCESS);
  ck_assert_ptr_null(doc.mix);
  ck_assert_ptr_null(doc.aliases);
  ck_assert_ptr_null(doc.scenes);
  snprintf(prefix, sizeof(prefix), "show.session:%u: ", c->line);
  ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "'%s' (expected %s)", err, prefix);
  ck_assert_msg(strstr(err, c->why), "'%s' (expected %s)", err, c->why);
  ck_assert_uint_gt(strlen(err), strlen(prefix));
}
END_TEST

START_TEST(bad_scene_line_names_its_line_in_the_file)
{
  // The brief's example: a bad line inside a scene section, on line 12
  static const char text[] = "# mixd session\n"        // 1
                             "/strip/add kick 1\n"     // 2
                             "/strip/add vox 1\n"      // 3
                             "\n"                      // 4
                             "[aliases]\n"             // 5
                             "/f1 /strip/kick/fader\n" // 6
                             "\n"                      // 7
                             "[scene 1 \"Intro\"]\n"   // 8
                             "/strip/add kick 1\n"     // 9
                             "/strip/add vox 1\n"      // 10
                             "/strip/vox/fader -6\n"   // 11
                             "/strip/vox/fader loud\n" // 12
                             "/strip/kick/fader -3\n"; // 13
  ck_assert_uint_eq(line_of(text, "loud"), 12U);
  const MxLimits limits = mx_limits_default();
  MxDocument     doc;
  char           err[768] = "";
  ck_assert_int_ne(
    mx_document_parse(text, sizeof(text) - 1U, "live.session", &limits, &doc, err, sizeof(err)),
    MX_SUCCESS);
  ck_assert_msg(!strncmp(err, "live.session:12: ", 17U), "%s", err);
  ck_assert_msg(strstr(err, "'loud' is not a value of fader"), "%s", err);
  ck_assert_ptr_null(doc.mix);
}
END_TEST

// ---------------------------------------------------------------- Cut anywhere

START_TEST(cut_anywhere_parses_or_says_why)
{
  const MxLimits limits = mx_limits_default();
  const size_t   len    = sizeof(doc_text) - 1U;
  unsigned       good   = 0U;
  unsigned       bad    = 0U;
  for (size_t cut = 0U; cut <= len; ++cut) {
    // Exactly `cut` bytes, no NUL after them: a read past the end is caught by ASan
    char* const text = (char*)malloc(cut ? cut : 1U);
    ck_assert_ptr_nonnull(text);
    memcpy(text, doc_text, cut);
    unsigned lines = 1U;
    for (size_t i = 0U; i < cut; ++i) {
      lines += text[i] == '\n';
    }

    MxDocument     doc;
    char           err[768] = "";
    const MxStatus st       = mx_document_parse(text, cut, "cut", &limits, &doc, err, sizeof(err));
    const bool     at_line  = !cut || doc_text[cut - 1U] == '\n';
    if (st == MX_SUCCESS) {
      // It reads as a document, which writes and reads again as itself
      ++good;
      char* const out = format_ok(&doc);
      MxDocument  again;
      parse_ok(out, strlen(out), &again);
      char* const twice = format_ok(&again);
      ck_assert_msg(!strcmp(twice, out), "cut at %zu is not a fixed point", cut);
      free(twice);
      free(out);
      mx_document_clear(&again);
      mx_document_clear(&doc);
    } else {
      // A clear error on a line that is there, and nothing kept
      ++bad;
      unsigned line = 0U;
      ck_assert_msg(sscanf(err, "cut:%u: ", &line) == 1, "cut at %zu: '%s'", cut, err);
      ck_assert_msg(line >= 1U && line <= lines, "cut at %zu: '%s' (%u lines)", cut, err, lines);
      ck_assert_msg(strlen(strchr(err + 4, ':')) > 2U, "cut at %zu: '%s'", cut, err);
      ck_assert_ptr_null(doc.mix);
      ck_assert_ptr_null(doc.scenes);
      ck_assert_msg(!at_line, "cut at %zu, after a whole line, refused: %s", cut, err);
    }
    free(text);
  }
  // Both happen: cuts inside a header fail, cuts after whole lines read
  ck_assert_uint_gt(good, 20U);
  ck_assert_uint_gt(bad, 20U);
}
END_TEST

// ---------------------------------------------------------------- Suite

static Suite*
document_suite(void)
{
  Suite* const s = suite_create("document");

  TCase* const whole = tcase_create("whole");
  tcase_add_test(whole, document_parses);
  tcase_add_test(whole, canonical_document_is_a_fixed_point);
  tcase_add_test(whole, loose_document_reads_as_the_canonical_one);
  tcase_add_test(whole, document_from_the_api_round_trips);
  tcase_add_loop_test(whole, scene_name_survives, 0, MXT_N_CASES(scene_names));
  tcase_add_loop_test(whole, aliases_round_trip, 0, MXT_N_CASES(alias_texts));
  suite_add_tcase(s, whole);

  TCase* const good = tcase_create("accepts");
  tcase_add_test(good, empty_text_is_an_empty_mix);
  tcase_add_test(good, header_forms);
  tcase_add_test(good, clear_an_empty_document);
  suite_add_tcase(s, good);

  TCase* const bad = tcase_create("refuses");
  tcase_add_loop_test(bad, refuses_bad_document, 0, MXT_N_CASES(bad_docs));
  tcase_add_test(bad, bad_scene_line_names_its_line_in_the_file);
  suite_add_tcase(s, bad);

  TCase* const cut = tcase_create("cut");
  tcase_add_test(cut, cut_anywhere_parses_or_says_why);
  suite_add_tcase(s, cut);
  return s;
}

int
main(void)
{
  return mxt_run_suite(document_suite());
}
