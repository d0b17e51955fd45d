// Fashion-MNIST (and any data set in the same four IDX files): 28x28 grey
// images of 10 classes; the 60,000 training images train, the 10,000 test
// images are the held-out split. Each rank keeps every world-th image.
#pragma once

#include <memory>
#include <string>

#include "trainer/data/dataset.h"

namespace autotune::trainer {

// Where Debian's dataset-fashion-mnist package installs the files.
inline constexpr char kFashionMnistDir[] = "/usr/share/datasets/fashion-mnist";

// Opens {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] in `dir` (the
// default directory when empty). A missing directory or file is NotFound with
// a message naming the Debian package; corrupt or inconsistent files are
// InvalidArgument.
StatusOr<std::unique_ptr<Dataset>> OpenFashionMnist(const std::string& dir, int rank, int world);

}  // namespace autotune::trainer
