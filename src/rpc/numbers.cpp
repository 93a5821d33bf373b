// sec.random_number(prefix, digits): a number to show to people (ARCHITECTURE.md §3), random
// digits from libsodium with a Luhn check digit (core/numbers.hpp), for sec.claim_number, which
// makes it unique through app.number_registry. SQL: sql/install/90_rpc_numbers.sql.
#include <string>

#include "common/args.hpp"
#include "core/errors.hpp"
#include "core/numbers.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::common;

MPS_ENTRY(mps_random_number, p_prefix, p_digits) {
    const std::string prefix = required_text_arg(args, p_prefix, 3);
    const std::optional<int32_t> digits = optional_int32_arg(args, p_digits);
    for (char c : prefix)
        if (c < 'A' || c > 'Z') fail(err::INVALID_ARGUMENT, "p_prefix must be 1 to 3 capital letters.");
    if (!digits || *digits < 6 || *digits > 20) fail(err::INVALID_ARGUMENT, "p_digits must be between 6 and 20.");
    return text_datum(random_number(prefix, "", *digits));
}
