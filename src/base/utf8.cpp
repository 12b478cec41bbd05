#include "base/utf8.h"

namespace gatehouse::utf8 {

char32_t decode(std::string_view text, size_t pos, int& length) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data()) + pos;
  size_t available = text.size() - pos;
  unsigned char lead = s[0];
  if (lead < 0x80) {
    length = 1;
    return lead;
  }
  int needed;
  char32_t cp;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    needed = 1;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    needed = 2;
    cp = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    needed = 3;
    cp = lead & 0x07;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    length = 1;
    return kReplacement;
  }
  int consumed = 1;
  for (int i = 0; i < needed; ++i) {
    if (size_t(consumed) >= available) {
      length = consumed;
      return kReplacement;
    }
    unsigned char byte = s[consumed];
    unsigned char lo = i == 0 ? low : 0x80, hi = i == 0 ? high : 0xBF;
    if (byte < lo || byte > hi) {
      length = consumed;
      return kReplacement;
    }
    cp = (cp << 6) | (byte & 0x3F);
    ++consumed;
  }
  length = consumed;
  return cp;
}

void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

std::string encode(char32_t cp) {
  std::string out;
  append(out, cp);
  return out;
}

size_t first_invalid(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    int length;
    char32_t cp = decode(text, pos, length);
    if (cp == kReplacement && !(length == 3 && text.compare(pos, 3, "\xEF\xBF\xBD") == 0)) return pos;
    pos += size_t(length);
  }
  return text.size();
}

bool is_valid(std::string_view text) { return first_invalid(text) == text.size(); }

std::string sanitize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    int length;
    char32_t cp = decode(text, pos, length);
    if (cp == kReplacement) append(out, kReplacement);
    else out.append(text.substr(pos, size_t(length)));
    pos += size_t(length);
  }
  return out;
}

size_t complete_prefix_length(std::string_view text) {
  // Look back at most 3 bytes for a lead byte whose sequence is not finished yet.
  size_t n = text.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    unsigned char byte = static_cast<unsigned char>(text[n - back]);
    if ((byte & 0xC0) == 0x80) continue;  // continuation byte, keep looking for the lead
    int need = sequence_length(byte);
    if (byte >= 0xC0 && size_t(need) > back) {
      int length;
      decode(text, n - back, length);
      // Hold back only if what we have so far is a valid beginning of a sequence.
      if (size_t(length) == back) return n - back;
    }
    return n;
  }
  return n;
}

size_t count_code_points(std::string_view text) {
  size_t count = 0, pos = 0;
  while (pos < text.size()) {
    int length;
    decode(text, pos, length);
    pos += size_t(length);
    ++count;
  }
  return count;
}

}  // namespace gatehouse::utf8
