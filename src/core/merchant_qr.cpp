#include "core/merchant_qr.hpp"

namespace mps {

namespace {

bool code_char(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

}  // namespace

std::optional<MerchantQr> parse_merchant_qr(std::string_view text) {
    if (text.substr(0, kMerchantQrPrefix.size()) != kMerchantQrPrefix) return std::nullopt;
    text.remove_prefix(kMerchantQrPrefix.size());
    const size_t slash = text.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash > 64) return std::nullopt;
    const std::string_view code = text.substr(0, slash);
    for (char c : code)
        if (!code_char(c)) return std::nullopt;
    text.remove_prefix(slash);
    constexpr std::string_view kLocation = "/location/";
    if (text.substr(0, kLocation.size()) != kLocation) return std::nullopt;
    text.remove_prefix(kLocation.size());
    if (text.empty() || text.size() > 9) return std::nullopt;
    for (char c : text)
        if (c < '0' || c > '9') return std::nullopt;
    return MerchantQr{std::string(code), std::string(text)};
}

}  // namespace mps
