// Passwords (ARCHITECTURE.md §3): Argon2id through libsodium, the only form a password is
// kept in. Hashing costs ~64 MB and ~100 ms on purpose: callers do every cheap check first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mps::common {

// A password held in memory only as long as the call: zeroed when it goes out of scope, on the
// error paths too.
class Secret {
public:
    explicit Secret(std::optional<std::string> value) : value_(std::move(value)) {}
    ~Secret();
    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;
    const std::optional<std::string>& get() const noexcept { return value_; }

private:
    std::optional<std::string> value_;
};

// The Argon2id hash of password (crypto_pwhash_str, interactive limits).
std::string hash_password(const std::string& password);

// Whether password matches the Argon2id hash (crypto_pwhash_str_verify, constant-time).
bool verify_password(const std::string& hash, const std::string& password);

// How many hashes (and verifications) this backend has computed (for the test that refusals
// cost no hash).
int64_t password_hashes_computed() noexcept;

}  // namespace mps::common
