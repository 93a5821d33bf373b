// Request fingerprints for idempotency: BLAKE2b-256 over length-prefixed fields, so two
// requests share a fingerprint only when every field is equal. Pure C++ plus libsodium.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include <sodium.h>

#include "core/ids.hpp"

namespace mps {

class Fingerprint {
public:
    Fingerprint() { crypto_generichash_init(&state_, nullptr, 0, 32); }
    Fingerprint& add(std::string_view field);
    Fingerprint& add(const char* field) { return add(std::string_view(field)); }
    Fingerprint& add(const std::string& field) { return add(std::string_view(field)); }
    Fingerprint& add(const std::optional<std::string>& field);
    Fingerprint& add(const Uuid& id) {
        return add(std::string_view(reinterpret_cast<const char*>(id.bytes.data()), 16));
    }
    Fingerprint& add(const std::optional<Uuid>& id);
    Fingerprint& add(int64_t value);
    std::array<uint8_t, 32> finish();

private:
    crypto_generichash_state state_;
};

}  // namespace mps
