// A minimal JSON object writer for audit contexts (flat objects of strings and integers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mps {

class JsonObject {
public:
    JsonObject& add(std::string_view key, std::string_view value);
    JsonObject& add(std::string_view key, int64_t value);
    std::string str() const { return body_ + "}"; }

private:
    void key(std::string_view k);
    void quoted(std::string_view s);
    std::string body_ = "{";
};

}  // namespace mps
