#include "common/passwords.hpp"

#include <sodium.h>

#include <new>

namespace mps::common {

namespace {
int64_t g_hashes = 0;
}  // namespace

Secret::~Secret() {
    if (value_ && !value_->empty()) sodium_memzero(value_->data(), value_->size());
}

std::string hash_password(const std::string& password) {
    char out[crypto_pwhash_STRBYTES];
    ++g_hashes;
    const int rc = crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                     crypto_pwhash_MEMLIMIT_INTERACTIVE);
    if (rc != 0) throw std::bad_alloc();  // libsodium fails only when it cannot get the memory
    return out;
}

bool verify_password(const std::string& hash, const std::string& password) {
    ++g_hashes;
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

int64_t password_hashes_computed() noexcept { return g_hashes; }

}  // namespace mps::common
