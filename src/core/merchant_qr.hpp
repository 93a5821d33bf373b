// Merchant QR codes (seed 003): the code printed at a merchant's counter that members scan to
// check their organisation's partnership and to take the merchant's loyalty card,
//   vitaglobal://merchant/<merchant code>/location/<location number>
// e.g. vitaglobal://merchant/starbucks-001/location/001. Pure C++.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mps {

inline constexpr std::string_view kMerchantQrPrefix = "vitaglobal://merchant/";

struct MerchantQr {
    std::string merchant_code;  // as app.merchants.code: 1..64 of [A-Za-z0-9_.-]
    std::string location;       // 1..9 digits, kept as printed ("001")
};

// nullopt for anything that is not exactly that shape.
std::optional<MerchantQr> parse_merchant_qr(std::string_view text);

}  // namespace mps
