#include "trainer/data/jpeg.h"

#include <turbojpeg.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

namespace autotune::trainer {
namespace {

struct TjCloser {
  void operator()(void* h) const { tjDestroy(h); }
};
using TjHandle = std::unique_ptr<void, TjCloser>;

std::string TjError(void* handle) { return tjGetErrorStr2(handle); }

}  // namespace

StatusOr<Image> DecodeJpeg(std::span<const std::uint8_t> jpeg, int channels) {
  if (channels != 1 && channels != 3) return Status::InvalidArgument("channels must be 1 or 3");
  TjHandle handle(tjInitDecompress());
  if (!handle) return Status::Internal("cannot initialise the JPEG decoder");
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(handle.get(), jpeg.data(), static_cast<unsigned long>(jpeg.size()), &width, &height,
                          &subsampling, &colorspace) != 0) {
    return Status::InvalidArgument("not a JPEG image: " + TjError(handle.get()));
  }
  if (width <= 0 || height <= 0 || static_cast<std::int64_t>(width) * height > (std::int64_t{1} << 28)) {
    return Status::InvalidArgument("JPEG image has an implausible size");
  }
  Image image;
  image.width = width;
  image.height = height;
  image.channels = channels;
  image.pixels.resize(static_cast<std::size_t>(width) * height * channels);
  const int format = channels == 1 ? TJPF_GRAY : TJPF_RGB;
  if (tjDecompress2(handle.get(), jpeg.data(), static_cast<unsigned long>(jpeg.size()), image.pixels.data(),
                    width, 0, height, format, TJFLAG_ACCURATEDCT) != 0 &&
      tjGetErrorCode(handle.get()) == TJERR_FATAL) {
    return Status::InvalidArgument("corrupt JPEG image: " + TjError(handle.get()));
  }
  return image;
}

StatusOr<std::vector<std::uint8_t>> EncodeJpeg(const Image& image, int quality) {
  if (image.channels != 1 && image.channels != 3) return Status::InvalidArgument("channels must be 1 or 3");
  if (image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * image.channels) {
    return Status::InvalidArgument("image size does not match its pixels");
  }
  TjHandle handle(tjInitCompress());
  if (!handle) return Status::Internal("cannot initialise the JPEG encoder");
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  const int format = image.channels == 1 ? TJPF_GRAY : TJPF_RGB;
  const int subsampling = image.channels == 1 ? TJSAMP_GRAY : TJSAMP_444;
  if (tjCompress2(handle.get(), image.pixels.data(), image.width, 0, image.height, format, &buffer, &size,
                  subsampling, std::clamp(quality, 1, 100), TJFLAG_ACCURATEDCT) != 0) {
    tjFree(buffer);
    return Status::InvalidArgument("cannot encode JPEG: " + TjError(handle.get()));
  }
  std::vector<std::uint8_t> out(buffer, buffer + size);
  tjFree(buffer);
  return out;
}

void ToNormalizedChw(const Image& image, int size, float* out) {
  const int c = image.channels;
  const float sx = static_cast<float>(image.width) / static_cast<float>(size);
  const float sy = static_cast<float>(image.height) / static_cast<float>(size);
  for (int y = 0; y < size; ++y) {
    const float fy = std::clamp((static_cast<float>(y) + 0.5f) * sy - 0.5f, 0.0f, image.height - 1.0f);
    const int y0 = static_cast<int>(fy);
    const int y1 = std::min(y0 + 1, image.height - 1);
    const float wy = fy - static_cast<float>(y0);
    for (int x = 0; x < size; ++x) {
      const float fx = std::clamp((static_cast<float>(x) + 0.5f) * sx - 0.5f, 0.0f, image.width - 1.0f);
      const int x0 = static_cast<int>(fx);
      const int x1 = std::min(x0 + 1, image.width - 1);
      const float wx = fx - static_cast<float>(x0);
      for (int ch = 0; ch < c; ++ch) {
        const auto px = [&](int yy, int xx) {
          return static_cast<float>(image.pixels[(static_cast<std::size_t>(yy) * image.width + xx) * c + ch]);
        };
        const float top = px(y0, x0) * (1 - wx) + px(y0, x1) * wx;
        const float bottom = px(y1, x0) * (1 - wx) + px(y1, x1) * wx;
        const float v = top * (1 - wy) + bottom * wy;
        out[(static_cast<std::size_t>(ch) * size + y) * size + x] = v / 127.5f - 1.0f;
      }
    }
  }
}

}  // namespace autotune::trainer
