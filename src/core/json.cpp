#include "core/json.hpp"

#include <cstdio>

#include "core/money.hpp"

namespace mps {

void JsonObject::quoted(std::string_view s) {
    body_ += '"';
    for (char c : s) {
        switch (c) {
            case '"': body_ += "\\\""; break;
            case '\\': body_ += "\\\\"; break;
            case '\n': body_ += "\\n"; break;
            case '\r': body_ += "\\r"; break;
            case '\t': body_ += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char esc[8];
                    std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
                    body_ += esc;
                } else {
                    body_ += c;
                }
        }
    }
    body_ += '"';
}

void JsonObject::key(std::string_view k) {
    if (body_.size() > 1) body_ += ',';
    quoted(k);
    body_ += ':';
}

JsonObject& JsonObject::add(std::string_view k, std::string_view value) {
    key(k);
    quoted(value);
    return *this;
}

JsonObject& JsonObject::add(std::string_view k, int64_t value) {
    key(k);
    body_ += std::to_string(value);
    return *this;
}

JsonObject& JsonObject::add(std::string_view k, const Uuid& value) { return add(k, format_uuid(value)); }

JsonObject& JsonObject::add_bool(std::string_view k, bool value) {
    key(k);
    body_ += value ? "true" : "false";
    return *this;
}

JsonObject& JsonObject::add_cents(std::string_view k, int64_t cents) {
    key(k);
    body_ += format_cents(cents);
    return *this;
}

}  // namespace mps
