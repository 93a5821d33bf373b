// The SQL enums of mps as C++ enums (ARCHITECTURE.md §2), with their labels. Code compares
// enums; labels are parsed once, where a value comes out of SQL, and printed where one goes in.
// The label lists must equal the install script's CREATE TYPE ... AS ENUM lists in order
// (test/pgtap/04_rpc_contract.sql compares them through app.library_labels()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mps {

// Organization and Merchant are loyalty cards (seed 003): points, never money.
enum class CardType : uint8_t { Standard, Prepaid, Corporate, Voucher, Organization, Merchant };
enum class CardStatus : uint8_t { Active, Frozen, Expired, Closed };
enum class BindingRole : uint8_t { Owner, Admin, Member, Viewer };
enum class MerchantRole : uint8_t { Owner, Manager, Cashier };
// app.member_status and app.merchant_status have the same labels.
enum class PartyStatus : uint8_t { Active, Suspended, Closed };
enum class TxType : uint8_t { Payment, Refund, Recharge, Adjustment };
enum class TxStatus : uint8_t { Completed, Refunded, Failed };
enum class KeyScope : uint8_t { Platform, Merchant, Member };
enum class RechargeOrderStatus : uint8_t { Pending, Paid, Cancelled, Expired };

// Labels<E>::sql_type names the SQL enum and Labels<E>::names lists its labels in order.
template <typename E>
struct Labels;

template <>
struct Labels<CardType> {
    static constexpr std::string_view sql_type = "app.card_type";
    static constexpr std::string_view names[] = {"standard", "prepaid", "corporate", "voucher", "organization", "merchant"};
    // The seeds' names of standard and corporate cards: labels of the SQL enum so that
    // 'personal'::app.card_type works in a call, never stored; callers map them (input_card_type).
    // In the SQL enum they come right after the first input_only_after labels (0.2.0 added them
    // before the loyalty card types).
    static constexpr std::string_view input_only[] = {"personal", "enterprise"};
    static constexpr size_t input_only_after = 4;
};
template <>
struct Labels<CardStatus> {
    static constexpr std::string_view sql_type = "app.card_status";
    static constexpr std::string_view names[] = {"active", "frozen", "expired", "closed"};
};
template <>
struct Labels<BindingRole> {
    static constexpr std::string_view sql_type = "app.binding_role";
    static constexpr std::string_view names[] = {"owner", "admin", "member", "viewer"};
};
template <>
struct Labels<MerchantRole> {
    static constexpr std::string_view sql_type = "app.merchant_role";
    static constexpr std::string_view names[] = {"owner", "manager", "cashier"};
};
template <>
struct Labels<PartyStatus> {
    static constexpr std::string_view sql_type = "app.member_status";
    static constexpr std::string_view names[] = {"active", "suspended", "closed"};
};
template <>
struct Labels<TxType> {
    static constexpr std::string_view sql_type = "app.tx_type";
    static constexpr std::string_view names[] = {"payment", "refund", "recharge", "adjustment"};
};

template <>
struct Labels<TxStatus> {
    static constexpr std::string_view sql_type = "app.tx_status";
    static constexpr std::string_view names[] = {"completed", "refunded", "failed"};
};

template <>
struct Labels<KeyScope> {
    static constexpr std::string_view sql_type = "app.key_scope";
    static constexpr std::string_view names[] = {"platform", "merchant", "member"};
};

template <>
struct Labels<RechargeOrderStatus> {
    static constexpr std::string_view sql_type = "app.recharge_order_status";
    static constexpr std::string_view names[] = {"pending", "paid", "cancelled", "expired"};
};

template <typename E>
constexpr size_t label_count() noexcept {
    return sizeof(Labels<E>::names) / sizeof(Labels<E>::names[0]);
}

// The SQL label of a value, e.g. label(CardType::Prepaid) == "prepaid".
template <typename E>
constexpr std::string_view label(E value) noexcept {
    return Labels<E>::names[static_cast<size_t>(value)];
}

// The value of a label; nullopt for anything that is not exactly one of the labels.
template <typename E>
constexpr std::optional<E> parse_label(std::string_view text) noexcept {
    for (size_t i = 0; i < label_count<E>(); ++i)
        if (Labels<E>::names[i] == text) return static_cast<E>(i);
    return std::nullopt;
}

// A card type as callers may name it: a label, or the seeds' personal (standard) and
// enterprise (corporate).
constexpr std::optional<CardType> input_card_type(std::string_view text) noexcept {
    if (text == "personal") return CardType::Standard;
    if (text == "enterprise") return CardType::Corporate;
    return parse_label<CardType>(text);
}

}  // namespace mps
