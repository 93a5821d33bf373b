#include "core/pages.hpp"

namespace mps {

std::string format_cursor(const PageCursor& c) { return std::to_string(c.at) + "_" + format_uuid(c.id); }

std::optional<PageCursor> parse_cursor(std::string_view text) noexcept {
    const size_t sep = text.find('_');
    if (sep == std::string_view::npos || sep == 0 || sep > 20) return std::nullopt;
    int64_t at = 0;
    size_t i = 0;
    const bool negative = text[0] == '-';
    if (negative) i = 1;
    if (i == sep) return std::nullopt;
    for (; i < sep; ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        if (at > (INT64_MAX - 9) / 10) return std::nullopt;
        at = at * 10 + (text[i] - '0');
    }
    const std::optional<Uuid> id = parse_uuid(text.substr(sep + 1));
    if (!id) return std::nullopt;
    return PageCursor{negative ? -at : at, *id};
}

}  // namespace mps
