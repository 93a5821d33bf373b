// QR tokens for bench/qr_scale.sh, minted by the extension's own code: mps::new_qr_token() and
// mps::qr_digest() of src/core/ids.cpp (linked in, with libsodium), so a seeded code is exactly
// what app.rotate_card_qr would have handed out and stored.
//
//   qr_tokens <first> <last>
//
// prints one line per number g in first..last, for COPY (text format):
//   g <TAB> token <TAB> \\x<64 hex digits of the BLAKE2b-256 digest>
#include <sodium.h>

#include <cstdio>
#include <cstdlib>

#include "core/ids.hpp"

int main(int argc, char** argv) {
    if (argc != 3 || sodium_init() < 0) {
        std::fprintf(stderr, "usage: qr_tokens <first> <last>\n");
        return 2;
    }
    const long first = std::atol(argv[1]);
    const long last = std::atol(argv[2]);
    static const char digits[] = "0123456789abcdef";
    for (long g = first; g <= last; ++g) {
        const std::string token = mps::new_qr_token();
        const mps::QrDigest digest = mps::qr_digest(token);
        char hex[2 * mps::kQrDigestLength + 1];
        for (size_t i = 0; i < digest.size(); ++i) {
            hex[2 * i] = digits[digest[i] >> 4];
            hex[2 * i + 1] = digits[digest[i] & 15];
        }
        hex[sizeof hex - 1] = '\0';
        std::printf("%ld\t%s\t\\\\x%s\n", g, token.c_str(), hex);
    }
    return std::fflush(stdout) == 0 ? 0 : 1;
}
