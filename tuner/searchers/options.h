// OptionReader moved to tuner/core/options.h (schedulers read options too).
#pragma once

#include "tuner/core/options.h"
