// Standard base64 (RFC 4648, '+' and '/', '=' padding), as PLSC's data files
// use for their JPEG images.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tuner/core/status.h"

namespace autotune::trainer {

std::string Base64Encode(const std::vector<std::uint8_t>& bytes);

// Decodes `text`; a character outside the alphabet, a bad length or misplaced
// padding is InvalidArgument.
StatusOr<std::vector<std::uint8_t>> Base64Decode(std::string_view text);

}  // namespace autotune::trainer
