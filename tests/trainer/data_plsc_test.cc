// PLSC's base64 format: base64 and JPEG round trips, `prepare` (global
// shuffle, equal parts, determinism) and reading a prepared directory.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "trainer/data/base64.h"
#include "trainer/data/jpeg.h"
#include "trainer/data/plsc.h"

namespace autotune::trainer {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> ReadLines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A w x h RGB image whose colour depends on `label`, smooth so that JPEG
// keeps it well.
Image MakeImage(int w, int h, int label) {
  Image im{w, h, 3, std::vector<std::uint8_t>(static_cast<std::size_t>(w * h * 3))};
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      std::uint8_t* p = &im.pixels[static_cast<std::size_t>((y * w + x) * 3)];
      p[0] = static_cast<std::uint8_t>(x * 255 / (w - 1));
      p[1] = static_cast<std::uint8_t>(y * 255 / (h - 1));
      p[2] = static_cast<std::uint8_t>(label * 20);
    }
  }
  return im;
}

class PlscTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("plsc_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // n lines of (12 + i) x 10 JPEGs; line i has label i % classes.
  std::string WriteBase64File(const std::string& name, int n, int classes, int first = 0) {
    const std::string path = (dir_ / name).string();
    std::ofstream out(path);
    for (int i = first; i < first + n; ++i) {
      auto jpeg = EncodeJpeg(MakeImage(12 + i, 10, i % classes), 95);  // every line distinct
      EXPECT_TRUE(jpeg.ok());
      out << Base64Encode(*jpeg) << '\t' << i % classes << '\n';
    }
    return path;
  }

  fs::path dir_;
};

TEST(Base64, RoundTripsEveryLengthAndRejectsMalformedText) {
  for (std::size_t n = 0; n < 10; ++n) {
    std::vector<std::uint8_t> bytes(n);
    for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::uint8_t>(250 - 37 * i);
    const std::string text = Base64Encode(bytes);
    EXPECT_EQ(text.size() % 4, 0u);
    auto back = Base64Decode(text);
    ASSERT_TRUE(back.ok()) << text;
    EXPECT_EQ(*back, bytes);
  }
  EXPECT_EQ(Base64Encode({'M', 'a', 'n'}), "TWFu");
  EXPECT_EQ(Base64Encode({'M'}), "TQ==");
  for (const char* bad : {"TWF", "TW=u", "T*Fu", "====", "TQ==TWFu"}) {
    EXPECT_FALSE(Base64Decode(bad).ok()) << bad;
  }
}

TEST(Jpeg, RoundTripThroughBase64KeepsThePixelsAndResizes) {
  const Image original = MakeImage(40, 30, 5);
  auto jpeg = EncodeJpeg(original, 95);
  ASSERT_TRUE(jpeg.ok()) << jpeg.status().message();
  const std::string line = Base64Encode(*jpeg) + "\t5\r";
  auto sample = ParsePlscLine(line);
  ASSERT_TRUE(sample.ok()) << sample.status().message();
  EXPECT_EQ(sample->label, 5);
  auto bytes = Base64Decode(sample->base64_jpeg);
  ASSERT_TRUE(bytes.ok());
  auto decoded = DecodeJpeg(*bytes, 3);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  ASSERT_EQ(decoded->width, 40);
  ASSERT_EQ(decoded->height, 30);
  int worst = 0;
  for (std::size_t i = 0; i < original.pixels.size(); ++i) {
    worst = std::max(worst, std::abs(original.pixels[i] - decoded->pixels[i]));
  }
  EXPECT_LE(worst, 12);
  // Resized to 16x16 CHW in [-1, 1]: the red ramp rises left to right.
  std::vector<float> chw(3 * 16 * 16);
  ToNormalizedChw(*decoded, 16, chw.data());
  EXPECT_LT(chw[0], -0.8f);
  EXPECT_GT(chw[15], 0.8f);
  EXPECT_NEAR(chw[2 * 256], 100 / 127.5f - 1, 0.1f);  // blue = label * 20
  auto grey = DecodeJpeg(*bytes, 1);
  ASSERT_TRUE(grey.ok());
  EXPECT_EQ(grey->pixels.size(), 40u * 30u);
  const std::uint8_t garbage[] = {1, 2, 3, 4, 5};
  EXPECT_FALSE(DecodeJpeg(garbage, 3).ok());
}

TEST(PlscLine, RejectsLinesWithoutATabOrAnIntegerLabel) {
  EXPECT_FALSE(ParsePlscLine("abcd").ok());
  EXPECT_FALSE(ParsePlscLine("abcd\tx").ok());
  EXPECT_FALSE(ParsePlscLine("abcd\t-1").ok());
  EXPECT_FALSE(ParsePlscLine("abcd\t3 ").ok());
  EXPECT_EQ(ParsePlscLine("abcd\t42")->label, 42);
}

TEST_F(PlscTest, PrepareSplitsEquallyShufflesGloballyAndIsDeterministic) {
  const std::string a = WriteBase64File("a.txt", 13, 4);
  const std::string b = WriteBase64File("b.txt", 10, 4, 13);
  std::vector<std::string> input = ReadLines(a);
  for (const std::string& line : ReadLines(b)) input.push_back(line);

  PrepareOptions o{{a, b}, (dir_ / "out1").string(), 3, 7, 0.1};
  auto report = PreparePlsc(o);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->lines, 23);
  EXPECT_EQ(report->num_classes, 4);
  EXPECT_EQ(report->val_lines, 2);
  EXPECT_EQ(report->per_part, 7);
  EXPECT_EQ(report->dropped, 0);
  std::vector<std::string> seen = ReadLines(dir_ / "out1" / "val.txt");
  EXPECT_EQ(seen.size(), 2u);
  for (int p = 0; p < 3; ++p) {
    const auto part = ReadLines(dir_ / "out1" / ("part-0000" + std::to_string(p) + ".txt"));
    EXPECT_EQ(part.size(), 7u);
    seen.insert(seen.end(), part.begin(), part.end());
  }
  // Every input line exactly once, in a shuffled (not the input) order.
  EXPECT_EQ(std::multiset<std::string>(seen.begin(), seen.end()),
            std::multiset<std::string>(input.begin(), input.end()));
  EXPECT_NE(seen, input);
  // The shuffle is global: the lines of b.txt do not stay one block.
  const std::set<std::string> from_b(input.begin() + 13, input.end());
  std::vector<std::size_t> b_positions;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (from_b.count(seen[i]) > 0) b_positions.push_back(i);
  }
  ASSERT_EQ(b_positions.size(), 10u);
  EXPECT_GT(b_positions.back() - b_positions.front(), 9u);

  PrepareOptions again = o;
  again.out_dir = (dir_ / "out2").string();
  ASSERT_TRUE(PreparePlsc(again).ok());
  PrepareOptions other = o;
  other.out_dir = (dir_ / "out3").string();
  other.seed = 8;
  ASSERT_TRUE(PreparePlsc(other).ok());
  for (const char* f : {"part-00000.txt", "part-00002.txt", "val.txt", "prepare.json"}) {
    EXPECT_EQ(Slurp(dir_ / "out1" / f), Slurp(dir_ / "out2" / f)) << f;
  }
  EXPECT_NE(Slurp(dir_ / "out1" / "part-00000.txt"), Slurp(dir_ / "out3" / "part-00000.txt"));

  // 23 lines into 5 parts: 4 each, 3 dropped so the parts stay equal.
  PrepareOptions five{{a, b}, (dir_ / "out5").string(), 5, 7, 0};
  auto r5 = PreparePlsc(five);
  ASSERT_TRUE(r5.ok());
  EXPECT_EQ(r5->per_part, 4);
  EXPECT_EQ(r5->dropped, 3);
}

TEST_F(PlscTest, EachRankReadsOnlyItsPartsAndDecodesImages) {
  const std::string a = WriteBase64File("a.txt", 20, 5);
  ASSERT_TRUE(PreparePlsc({{a}, (dir_ / "out").string(), 2, 1, 0.2}).ok());
  auto ds = OpenPlsc((dir_ / "out").string(), 1, 2, 8, 3);
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  EXPECT_EQ((*ds)->num_classes(), 5);
  EXPECT_EQ((*ds)->sample_shape(), (SampleShape{3, 8, 8}));
  EXPECT_EQ((*ds)->LocalSize(Split::kTrain), 8);
  EXPECT_EQ((*ds)->EpochSize(), 8);
  EXPECT_EQ((*ds)->GlobalSize(Split::kVal), 4);
  EXPECT_EQ((*ds)->LocalSize(Split::kVal), 2);
  const auto part1 = ReadLines(dir_ / "out" / "part-00001.txt");
  std::vector<std::int64_t> idx = {0, 7};
  std::vector<float> x(2 * 3 * 64);
  std::vector<std::int64_t> y(2);
  ASSERT_TRUE((*ds)->Fill(Split::kTrain, idx, x.data(), y.data()).ok());
  EXPECT_EQ(y[0], ParsePlscLine(part1[0])->label);
  EXPECT_EQ(y[1], ParsePlscLine(part1[7])->label);
  EXPECT_NEAR(x[2 * 64], y[0] * 20 / 127.5f - 1, 0.1f);  // blue channel carries the label

  auto too_many = OpenPlsc((dir_ / "out").string(), 0, 3, 8, 3);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("--parts"), std::string::npos) << too_many.status().message();
  EXPECT_EQ(OpenPlsc((dir_ / "nothing").string(), 0, 1, 8, 3).status().code(), Status::Code::kNotFound);
}

TEST_F(PlscTest, PrepareRejectsABadLineNamingFileAndLine) {
  const std::string a = WriteBase64File("a.txt", 3, 2);
  std::ofstream(a, std::ios::app) << "no-tab-here\n";
  auto r = PreparePlsc({{a}, (dir_ / "out").string(), 1, 0, 0});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("line 4"), std::string::npos) << r.status().message();
  EXPECT_FALSE(fs::exists(dir_ / "out" / "prepare.json"));
  EXPECT_FALSE(PreparePlsc({{a}, (dir_ / "out").string(), 0, 0, 0}).ok());
  EXPECT_EQ(PreparePlsc({{(dir_ / "absent").string()}, (dir_ / "o").string(), 1, 0, 0}).status().code(),
            Status::Code::kNotFound);
}

}  // namespace
}  // namespace autotune::trainer
