// The text rules of organisation and merchant profiles (seed 003): slugs, regions, web
// addresses. Pure C++; the same rules are CHECK constraints of the tables
// (sql/install/30_merchants.sql, 35_organizations.sql), checked here first for a clear error.
#pragma once

#include <string_view>

namespace mps {

// A URL-friendly identifier: lower-case letters and digits in groups joined by single hyphens,
// at most 100 characters (columbia-cssa).
bool is_slug(std::string_view s) noexcept;

// An ISO 3166-1 country code, optionally with a subdivision: US, US-NY, GB-LND.
bool is_region(std::string_view s) noexcept;

// An http(s) address without spaces or control characters.
bool is_web_url(std::string_view s) noexcept;

}  // namespace mps
