#include "db/store_options.h"

#include <chrono>

namespace autotune {

double SystemClockSeconds() {
  using std::chrono::duration;
  using std::chrono::system_clock;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

}  // namespace autotune
