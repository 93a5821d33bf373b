#include "core/fingerprint.hpp"

#include <string>

namespace mps {

Fingerprint& Fingerprint::add(std::string_view field) {
    uint8_t header[9];
    header[0] = 's';
    uint64_t len = field.size();
    for (int i = 0; i < 8; ++i) header[1 + i] = uint8_t(len >> (8 * i));
    crypto_generichash_update(&state_, header, sizeof header);
    crypto_generichash_update(&state_, reinterpret_cast<const unsigned char*>(field.data()), field.size());
    return *this;
}

Fingerprint& Fingerprint::add(const std::optional<std::string>& field) {
    if (!field) {
        const uint8_t none = 'n';
        crypto_generichash_update(&state_, &none, 1);
        return *this;
    }
    return add(std::string_view(*field));
}

Fingerprint& Fingerprint::add(const std::optional<Uuid>& id) {
    if (!id) {
        const uint8_t none = 'n';
        crypto_generichash_update(&state_, &none, 1);
        return *this;
    }
    return add(*id);
}

Fingerprint& Fingerprint::add(int64_t value) {
    uint8_t buf[9];
    buf[0] = 'i';
    for (int i = 0; i < 8; ++i) buf[1 + i] = uint8_t(uint64_t(value) >> (8 * i));
    crypto_generichash_update(&state_, buf, sizeof buf);
    return *this;
}

std::array<uint8_t, 32> Fingerprint::finish() {
    std::array<uint8_t, 32> out;
    crypto_generichash_final(&state_, out.data(), out.size());
    return out;
}

}  // namespace mps
