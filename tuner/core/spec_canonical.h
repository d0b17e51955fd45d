// The canonical JSON of a study spec: every field with its value, defaults
// filled in, keys sorted. Two specs that mean the same study have the same
// canonical JSON (writing a default explicitly changes nothing); it is what
// the store keeps and what "same spec" means on resume.
#pragma once

#include <string>

#include "tuner/core/spec.h"

namespace autotune {

std::string CanonicalSpecJson(const StudySpec& spec);

}  // namespace autotune
