// The end of a card's QR code and of the card itself, shared by the RPCs that freeze, close,
// expire or redeem a card (charge, cards, sharing, members).
#pragma once

#include <optional>

#include "common/movements.hpp"
#include "core/ids.hpp"
#include "core/labels.hpp"
#include "pg/identity.hpp"
#include "pg/spi.hpp"

namespace mps::common {

// A card to issue (prepaid, corporate, voucher; standard cards come with their member).
struct NewCard {
    CardType type;
    std::optional<Uuid> owner_member_id;
    std::optional<int32_t> fixed_discount;   // corporate
    std::optional<int64_t> face_value;       // voucher, cents
    std::optional<std::string> password_hash;
    std::optional<TimestampTz> expires_at;
    std::optional<std::string> company_name;  // corporate
    std::optional<Uuid> voucher_merchant_id;
};
struct IssuedCard {
    Uuid id;
    std::string card_no;
};
// Inserts the card with a new number of its type's prefix (cards that earn points at the
// ladder's entry level) and audits card.issue.
IssuedCard issue_card(pg::Spi& spi, const pg::Caller& caller, const NewCard& card);

// Why a live QR code ended (app.card_qr_history.end_reason).
enum class QrEnd { Revoked, Expired, Used };

// Ends the card's live QR code — or only one minted by issued_by — and closes its history row;
// true when there was one.
bool end_live_qr(pg::Spi& spi, const Uuid& card_id, QrEnd reason, const std::optional<Uuid>& issued_by = std::nullopt);

// Closes a locked card for good (a redeemed voucher: Closed; past its expiry: Expired): what is
// left on it (balance_now) is written off by an adjustment transaction so the balance reaches
// 0.00 and the ledger holds — for vouchers only, whose money was never paid in — its live QR
// code ends, and its status is set.
void close_card(pg::Spi& spi, const pg::Caller& caller, const LockedCard& card, int64_t balance_now,
                CardStatus final_status, const char* reason);

}  // namespace mps::common
