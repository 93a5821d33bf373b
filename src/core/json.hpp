// The one way mps builds JSON: the context of every audit row (flat objects of strings,
// integers, booleans, amounts and uuids). Absent optional values are left out, as jsonb_strip_nulls would.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.hpp"

namespace mps {

class JsonObject {
public:
    JsonObject& add(std::string_view key, std::string_view value);
    JsonObject& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
    JsonObject& add(std::string_view key, const std::string& value) { return add(key, std::string_view(value)); }
    JsonObject& add(std::string_view key, int64_t value);
    JsonObject& add(std::string_view key, const Uuid& value);
    // Named apart: an add(bool) overload would also catch pointers and other integers.
    JsonObject& add_bool(std::string_view key, bool value);
    // An amount in cents as a JSON number with two decimals ("12.30" -> 12.30).
    JsonObject& add_cents(std::string_view key, int64_t cents);
    template <typename T>
    JsonObject& add(std::string_view key, const std::optional<T>& value) {
        if (value) add(key, *value);
        return *this;
    }
    std::string str() const { return body_ + "}"; }

private:
    void key(std::string_view k);
    void quoted(std::string_view s);
    std::string body_ = "{";
};

}  // namespace mps
