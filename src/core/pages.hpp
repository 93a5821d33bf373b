// Keyset pagination (ARCHITECTURE.md §9: a page costs what it returns, whatever the history):
// a page of rows ordered by (time, id) descending continues after the last row seen, named by an
// opaque cursor "<time>_<id>" (the time as PostgreSQL's microseconds since 2000-01-01). Pure C++.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.hpp"

namespace mps {

struct PageCursor {
    int64_t at;  // TimestampTz
    Uuid id;
};

std::string format_cursor(const PageCursor& c);
std::optional<PageCursor> parse_cursor(std::string_view text) noexcept;

inline constexpr int32_t kDefaultPageSize = 50;
inline constexpr int32_t kMaxPageSize = 500;

}  // namespace mps
