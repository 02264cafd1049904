// SPDX-License-Identifier: GPL-3.0-or-later

#include "document.h"

#include "session.h"
#include "why.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// A section of the file
typedef struct {
  size_t   begin;                            ///< First byte of its body (after the header line)
  size_t   end;                              ///< Past its last byte
  unsigned line;                             ///< Line number of its header (0 for the mix)
  char     header[MX_SESSION_LINE_MAX + 1U]; ///< The header, without its brackets
} Section;

// Line `number`'s end: past its newline, or `len`
static size_t
line_end(const char* const text, const size_t len, const size_t pos)
{
  const char* const nl = (const char*)memchr(text + pos, '\n', len - pos);
  return nl ? (size_t)(nl - text) + 1U : len;
}

// True if the line at `pos` is a header; its inside goes to `header`
static bool
is_header(const char* const text,
          const size_t      pos,
          const size_t      end,
          char* const       header,
          const size_t      size)
{
  size_t i = pos;
  while (i < end && (text[i] == ' ' || text[i] == '\t')) {
    ++i;
  }
  if (i == end || text[i] != '[') {
    return false;
  }
  size_t n = end - i - 1U;
  while (n && isspace((unsigned char)text[i + 1U + n - 1U])) {
    --n;
  }
  // Without its closing bracket; one missing leaves a header no section has
  if (n && text[i + n] == ']') {
    --n;
  } else {
    n = 0U;
  }
  if (n >= size) {
    n = size - 1U;
  }
  memcpy(header, text + i + 1U, n);
  header[n] = '\0';
  return true;
}

// Length of `text` without the blank lines at its end: those before a
// header separate sections (mx_document_format() writes one), so they are
// no section's text
static size_t
without_blank_end(const char* const text, size_t len)
{
  while (len) {
    size_t start = len - 1U; // Of the last line
    while (start && text[start - 1U] != '\n') {
      --start;
    }
    for (size_t i = start; i < len; ++i) {
      if (!isspace((unsigned char)text[i])) {
        return len;
      }
    }
    len = start;
  }
  return 0U;
}

// Parse a section's body as session text, with the file's line numbers
static MxStatus
parse_body(const char* const     text,
           const Section* const  s,
           const char* const     name,
           const MxLimits* const limits,
           MxModel** const       out,
           char* const           err,
           const size_t          size)
{
  // Blank lines in place of those before the body keep the numbers right
  const size_t body = s->end - s->begin;
  char* const  pad  = (char*)malloc(s->line + body + 1U);
  if (!pad) {
    return mx_why(MX_ERR_NO_MEMORY, err, size, "%s: out of memory", name);
  }
  memset(pad, '\n', s->line);
  memcpy(pad + s->line, text + s->begin, body);
  const MxStatus st = mx_session_parse(pad, s->line + body, name, limits, out, err, size);
  free(pad);
  return st;
}

// "scene N" or "scene N NAME" or "scene N "NAME"": the number and name
static MxStatus
scene_header(const char* const header,
             unsigned* const   number,
             char* const       name,
             const size_t      size,
             char* const       why,
             const size_t      why_size)
{
  const char* p   = header + strlen("scene");
  char*       end = NULL;
  if (!isspace((unsigned char)*p)) {
    return mx_why(MX_ERR_BAD_ARG, why, why_size, "unknown section [%s]", header);
  }
  const unsigned long n = strtoul(p, &end, 10);
  if (end == p || n < 1U || n > MX_SCENES_MAX) {
    return mx_why(MX_ERR_BAD_ARG, why, why_size, "scene numbers are 1 to %u", MX_SCENES_MAX);
  }
  *number = (unsigned)n;
  p       = end;
  while (isspace((unsigned char)*p)) {
    ++p;
  }
  size_t k = 0U;
  if (*p == '"') {
    for (++p; *p && *p != '"'; ++p) {
      if (*p == '\\' && p[1]) {
        ++p;
      }
      if (k + 1U < size) {
        name[k++] = *p;
      }
    }
    if (*p != '"' || p[1]) {
      return mx_why(MX_ERR_BAD_ARG, why, why_size, "a scene name in quotes must end the header");
    }
  } else {
    for (; *p && k + 1U < size; ++p) {
      name[k++] = *p;
    }
  }
  name[k] = '\0';
  return MX_SUCCESS;
}

MxStatus
mx_document_parse(const char* const     text,
                  const size_t          len,
                  const char* const     name,
                  const MxLimits* const limits,
                  MxDocument* const     out,
                  char* const           err,
                  const size_t          size)
{
  memset(out, 0, sizeof(*out));
  out->scenes = mx_scenes_new();
  if (!out->scenes) {
    return mx_why(MX_ERR_NO_MEMORY, err, size, "%s: out of memory", name);
  }

  // A NUL byte would silently cut an alias or a header short: not text
  const char* const nul = len ? (const char*)memchr(text, '\0', len) : NULL;
  if (nul) {
    unsigned line = 1U;
    for (const char* c = text; c < nul; ++c) {
      line += *c == '\n';
    }
    mx_document_clear(out);
    return mx_why(
      MX_ERR_BAD_ARG, err, size, "%s:%u: NUL byte in the line (not a text file?)", name, line);
  }

  MxStatus st      = MX_SUCCESS;
  Section  s       = { 0U, 0U, 0U, "" };
  unsigned number  = 1U;
  bool     aliases = false;
  for (size_t pos = 0U;; ++number) {
    Section      next = { 0U, 0U, number, "" };
    const size_t end  = pos < len ? line_end(text, len, pos) : len;
    const bool   last = pos >= len;
    if (!last && !is_header(text, pos, end, next.header, sizeof(next.header))) {
      pos = end;
      continue;
    }

    // The section before this header (or the end) is complete
    s.end = pos;
    if (!s.line) {
      st = parse_body(text, &s, name, limits, &out->mix, err, size);
    } else if (!strcmp(s.header, "aliases")) {
      out->aliases = strndup(text + s.begin, without_blank_end(text + s.begin, s.end - s.begin));
      st =
        out->aliases ? MX_SUCCESS : mx_why(MX_ERR_NO_MEMORY, err, size, "%s: out of memory", name);
    } else {
      char     why[512];
      char     scene_name[MX_SCENE_NAME_MAX * 2U];
      unsigned n     = 0U;
      MxModel* scene = NULL;
      st             = scene_header(s.header, &n, scene_name, sizeof(scene_name), why, sizeof(why));
      if (!st && mx_scenes_exists(out->scenes, n)) {
        st = mx_why(MX_ERR_EXISTS, why, sizeof(why), "scene %u appears twice", n);
      }
      if (st) {
        mx_why(st, err, size, "%s:%u: %s", name, s.line, why);
      } else if (!(st = parse_body(text, &s, name, limits, &scene, err, size))) {
        // Kept as written again from the model: the canonical form
        char* const body = mx_session_format(scene);
        mx_model_free(scene);
        st = body ? mx_scenes_set_text(out->scenes, n, scene_name, body, limits, why, sizeof(why))
                  : MX_ERR_NO_MEMORY;
        free(body);
        if (st) {
          mx_why(st,
                 err,
                 size,
                 "%s:%u: %s",
                 name,
                 s.line,
                 st == MX_ERR_NO_MEMORY ? "out of memory" : why);
        }
      }
    }
    if (st || last) {
      break;
    }

    // The new section
    if (!strcmp(next.header, "aliases")) {
      if (aliases) {
        st = mx_why(MX_ERR_EXISTS, err, size, "%s:%u: a second [aliases] section", name, number);
        break;
      }
      aliases = true;
    } else if (strncmp(next.header, "scene", 5U)) {
      st = mx_why(MX_ERR_BAD_ARG,
                  err,
                  size,
                  "%s:%u: not a section header ([aliases] or [scene N \"NAME\"])",
                  name,
                  number);
      break;
    }
    next.begin = end;
    s          = next;
    pos        = end;
  }
  if (st) {
    mx_document_clear(out);
  }
  return st;
}

void
mx_document_clear(MxDocument* const doc)
{
  mx_model_free(doc->mix);
  free(doc->aliases);
  mx_scenes_free(doc->scenes);
  memset(doc, 0, sizeof(*doc));
}

// ---------------------------------------------------------------------------
// Writing

/// Growing text
typedef struct {
  char*  text;
  size_t len;
  size_t cap;
  bool   ok;
} Text;

static void
append(Text* const t, const char* const s, const size_t n)
{
  if (!t->ok) {
    return;
  }
  if (t->len + n + 1U > t->cap) {
    size_t cap = t->cap ? t->cap : 4096U;
    while (t->len + n + 1U > cap) {
      cap *= 2U;
    }
    char* const more = (char*)realloc(t->text, cap);
    if (!more) {
      t->ok = false;
      return;
    }
    t->text = more;
    t->cap  = cap;
  }
  memcpy(t->text + t->len, s, n);
  t->len += n;
  t->text[t->len] = '\0';
}

static void
append_str(Text* const t, const char* const s)
{
  append(t, s, strlen(s));
}

char*
mx_document_format(const MxModel* const  mix,
                   const char* const     aliases,
                   const MxScenes* const scenes)
{
  return mx_document_format_with(mix, NULL, 0U, aliases, scenes);
}

char*
mx_document_format_with(const MxModel* const             mix,
                        const MxSessionConnection* const extra,
                        const size_t                     n_extra,
                        const char* const                aliases,
                        const MxScenes* const            scenes)
{
  Text        t    = { NULL, 0U, 0U, true };
  char* const body = mx_session_format_with(mix, extra, n_extra);
  if (!body) {
    return NULL;
  }
  append_str(&t, body);
  free(body);

  const size_t aliases_len = aliases ? without_blank_end(aliases, strlen(aliases)) : 0U;
  if (aliases_len) {
    append_str(&t, "\n[aliases]\n");
    append(&t, aliases, aliases_len);
    if (aliases[aliases_len - 1U] != '\n') {
      append_str(&t, "\n");
    }
  }
  for (unsigned n = 1U; scenes && n <= MX_SCENES_MAX; ++n) {
    if (!mx_scenes_exists(scenes, n)) {
      continue;
    }
    char header[32];
    snprintf(header, sizeof(header), "\n[scene %u \"", n);
    append_str(&t, header);
    for (const char* c = mx_scenes_name(scenes, n); *c; ++c) {
      if (*c == '"' || *c == '\\') {
        append_str(&t, "\\");
      }
      append(&t, c, 1U);
    }
    append_str(&t, "\"]\n");
    append_str(&t, mx_scenes_text(scenes, n));
  }
  if (!t.ok) {
    free(t.text);
    return NULL;
  }
  return t.text;
}
