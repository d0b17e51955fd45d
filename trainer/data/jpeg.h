// JPEG decoding and encoding through libjpeg-turbo's TurboJPEG API, and the
// resize + normalisation that turns a decoded image into a model input.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tuner/core/status.h"

namespace autotune::trainer {

// 8-bit pixels, rows top to bottom, channels interleaved (grey or RGB).
struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;  // 1 or 3
  std::vector<std::uint8_t> pixels;
};

// Decodes a JPEG into `channels` (1: grey, 3: RGB) whatever its own colour
// space; data that is not a decodable JPEG is InvalidArgument.
StatusOr<Image> DecodeJpeg(std::span<const std::uint8_t> jpeg, int channels);

// Encodes at `quality` (1..100) with 4:4:4 chroma, so a round trip loses only
// the DCT quantisation.
StatusOr<std::vector<std::uint8_t>> EncodeJpeg(const Image& image, int quality);

// Resizes `image` to size x size (bilinear, pixel centres aligned) and writes
// it channel-major (C, H, W) into `out`, mapped from [0, 255] to [-1, 1].
void ToNormalizedChw(const Image& image, int size, float* out);

}  // namespace autotune::trainer
