// fmnist_mlp: a trial program with real learning curves for bench/asha (and
// bench/pbt): a one-hidden-layer MLP trained by SGD with momentum on
// Fashion-MNIST, speaking autotune's trial protocol.
//
// Params (AUTOTUNE_PARAMS): lr, momentum, weight_decay, hidden (int).
// A step is `FMNIST_BATCHES_PER_STEP` (default 4) minibatches of 64 images
// from the first 20,000 training images, in an order fixed by AUTOTUNE_SEED;
// at the end of a segment it reports val_acc and val_loss on 5,000 images of
// the test file, and writes its checkpoint (weights, momentum, step).
// Data: FMNIST_DIR holds the four IDX files, uncompressed.
// A NaN or infinite loss ends the segment with exit status 2 (diverged).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr int kInputs = 784, kClasses = 10, kBatch = 64, kTrain = 20000, kVal = 5000;

[[noreturn]] void Die(const std::string& msg, int code = 1) {
  std::cerr << "fmnist_mlp: " << msg << "\n";
  std::exit(code);
}

std::string Env(const char* name, const std::string& def = "") {
  const char* v = std::getenv(name);
  return v ? v : def;
}

std::vector<std::uint8_t> ReadIdx(const std::string& path, std::size_t header, std::size_t count, std::size_t row) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("cannot read " + path + " (set FMNIST_DIR to the uncompressed IDX files)");
  in.seekg(static_cast<std::streamoff>(header));
  std::vector<std::uint8_t> data(count * row);
  if (!in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(data.size())))
    Die(path + " is too short");
  return data;
}

// A number from the flat params JSON object (no nesting, no strings needed).
double Param(const std::string& json, const std::string& key, double def) {
  const auto at = json.find("\"" + key + "\"");
  if (at == std::string::npos) return def;
  const auto colon = json.find(':', at);
  return std::strtod(json.c_str() + colon + 1, nullptr);
}

struct Model {
  int hidden = 64;
  std::vector<float> w1, b1, w2, b2;  // w1: hidden x 784, w2: 10 x hidden
  std::vector<float> v_w1, v_b1, v_w2, v_b2;  // momentum
  std::int64_t step = 0;

  void Init(std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> n1(0.f, std::sqrt(2.f / kInputs)), n2(0.f, std::sqrt(2.f / hidden));
    w1.resize(static_cast<std::size_t>(hidden) * kInputs);
    w2.resize(static_cast<std::size_t>(kClasses) * hidden);
    for (auto& w : w1) w = n1(rng);
    for (auto& w : w2) w = n2(rng);
    b1.assign(hidden, 0.f);
    b2.assign(kClasses, 0.f);
    v_w1.assign(w1.size(), 0.f), v_b1.assign(b1.size(), 0.f), v_w2.assign(w2.size(), 0.f), v_b2.assign(b2.size(), 0.f);
  }
  std::vector<std::vector<float>*> Tensors() { return {&w1, &b1, &w2, &b2, &v_w1, &v_b1, &v_w2, &v_b2}; }
  void Save(const std::string& dir) {
    std::ofstream out(dir + "/model.bin", std::ios::binary);
    out.write(reinterpret_cast<const char*>(&hidden), sizeof hidden);
    out.write(reinterpret_cast<const char*>(&step), sizeof step);
    for (auto* t : Tensors()) out.write(reinterpret_cast<const char*>(t->data()), t->size() * sizeof(float));
    if (!out) Die("cannot write the checkpoint in " + dir);
    out.close();
    std::ofstream(dir + "/COMPLETE") << "";
  }
  void Load(const std::string& dir, int want_hidden) {
    std::ifstream in(dir + "/model.bin", std::ios::binary);
    if (!in) Die("cannot read the checkpoint " + dir);
    in.read(reinterpret_cast<char*>(&hidden), sizeof hidden);
    in.read(reinterpret_cast<char*>(&step), sizeof step);
    if (hidden != want_hidden) Die("the checkpoint has " + std::to_string(hidden) + " hidden units, params ask " +
                                   std::to_string(want_hidden));
    Init(0);
    for (auto* t : Tensors()) in.read(reinterpret_cast<char*>(t->data()), t->size() * sizeof(float));
    if (!in) Die("the checkpoint " + dir + " is truncated");
  }
};

// Forward pass of one image: hidden activations and class logits.
void Forward(const Model& m, const std::uint8_t* x, std::vector<float>& h, float* logits) {
  float xf[kInputs];
  for (int i = 0; i < kInputs; ++i) xf[i] = x[i] / 255.f;
  for (int j = 0; j < m.hidden; ++j) {
    const float* w = &m.w1[static_cast<std::size_t>(j) * kInputs];
    float s = m.b1[j];
    for (int i = 0; i < kInputs; ++i) s += w[i] * xf[i];
    h[j] = s > 0 ? s : 0;
  }
  for (int c = 0; c < kClasses; ++c) {
    const float* w = &m.w2[static_cast<std::size_t>(c) * m.hidden];
    float s = m.b2[c];
    for (int j = 0; j < m.hidden; ++j) s += w[j] * h[j];
    logits[c] = s;
  }
}

// Softmax in place; returns -log p[label].
float Softmax(float* z, int label) {
  float mx = *std::max_element(z, z + kClasses), sum = 0;
  for (int c = 0; c < kClasses; ++c) sum += (z[c] = std::exp(z[c] - mx));
  for (int c = 0; c < kClasses; ++c) z[c] /= sum;
  return -std::log(std::max(z[label], 1e-30f));
}

}  // namespace

int main() {
  const std::string params = Env("AUTOTUNE_PARAMS", "{}");
  const double lr = Param(params, "lr", 0.05), momentum = Param(params, "momentum", 0.9);
  const double decay = Param(params, "weight_decay", 1e-4);
  const int hidden = static_cast<int>(Param(params, "hidden", 64));
  const std::int64_t begin = std::stoll(Env("AUTOTUNE_STEP_BEGIN", "0")), end = std::stoll(Env("AUTOTUNE_STEP_END", "10"));
  const std::uint64_t seed = std::stoull(Env("AUTOTUNE_SEED", "0"));
  const int per_step = std::stoi(Env("FMNIST_BATCHES_PER_STEP", "4"));
  const std::string dir = Env("FMNIST_DIR", "fmnist");
  if (hidden < 1 || hidden > 4096) Die("hidden must lie in [1, 4096]");

  const auto train_x = ReadIdx(dir + "/train-images-idx3-ubyte", 16, kTrain, kInputs);
  const auto train_y = ReadIdx(dir + "/train-labels-idx1-ubyte", 8, kTrain, 1);
  const auto val_x = ReadIdx(dir + "/t10k-images-idx3-ubyte", 16, kVal, kInputs);
  const auto val_y = ReadIdx(dir + "/t10k-labels-idx1-ubyte", 8, kVal, 1);

  Model m;
  m.hidden = hidden;
  const std::string resume = Env("AUTOTUNE_RESUME_FROM");
  if (!resume.empty()) {
    m.Load(resume, hidden);
    if (m.step != begin) Die("the checkpoint holds step " + std::to_string(m.step) + ", not " + std::to_string(begin));
  } else {
    m.Init(seed);
  }
  std::vector<float> h(hidden), dh(hidden);
  std::vector<float> g_w1(m.w1.size()), g_b1(m.b1.size()), g_w2(m.w2.size()), g_b2(m.b2.size());
  std::vector<int> order(kTrain);
  std::int64_t epoch = -1;
  for (std::int64_t step = begin; step < end; ++step) {
    double step_loss = 0;
    for (int b = 0; b < per_step; ++b) {
      const std::int64_t first = (step * per_step + b) * kBatch;
      if (first / kTrain != epoch) {  // a fresh permutation per epoch, fixed by the seed
        epoch = first / kTrain;
        for (int i = 0; i < kTrain; ++i) order[i] = i;
        std::mt19937_64 rng(seed * 1000003 + static_cast<std::uint64_t>(epoch));
        std::shuffle(order.begin(), order.end(), rng);
      }
      std::fill(g_w1.begin(), g_w1.end(), 0.f), std::fill(g_b1.begin(), g_b1.end(), 0.f);
      std::fill(g_w2.begin(), g_w2.end(), 0.f), std::fill(g_b2.begin(), g_b2.end(), 0.f);
      for (int k = 0; k < kBatch; ++k) {
        const int idx = order[(first + k) % kTrain];
        const std::uint8_t* x = &train_x[static_cast<std::size_t>(idx) * kInputs];
        float z[kClasses];
        Forward(m, x, h, z);
        step_loss += Softmax(z, train_y[idx]);
        z[train_y[idx]] -= 1;  // dL/dlogits
        std::fill(dh.begin(), dh.end(), 0.f);
        for (int c = 0; c < kClasses; ++c) {
          g_b2[c] += z[c];
          float* gw = &g_w2[static_cast<std::size_t>(c) * hidden];
          const float* w = &m.w2[static_cast<std::size_t>(c) * hidden];
          for (int j = 0; j < hidden; ++j) gw[j] += z[c] * h[j], dh[j] += z[c] * w[j];
        }
        for (int j = 0; j < hidden; ++j) {
          if (h[j] <= 0) continue;
          g_b1[j] += dh[j];
          float* gw = &g_w1[static_cast<std::size_t>(j) * kInputs];
          const float d = dh[j] / 255.f;
          for (int i = 0; i < kInputs; ++i) gw[i] += d * x[i];
        }
      }
      auto update = [&](std::vector<float>& w, std::vector<float>& v, const std::vector<float>& g, bool decayed) {
        for (std::size_t i = 0; i < w.size(); ++i) {
          const float grad = g[i] / kBatch + (decayed ? static_cast<float>(decay) * w[i] : 0.f);
          v[i] = static_cast<float>(momentum) * v[i] + grad;
          w[i] -= static_cast<float>(lr) * v[i];
        }
      };
      update(m.w1, m.v_w1, g_w1, true), update(m.b1, m.v_b1, g_b1, false);
      update(m.w2, m.v_w2, g_w2, true), update(m.b2, m.v_b2, g_b2, false);
    }
    const double loss = step_loss / (per_step * kBatch);
    if (!std::isfinite(loss)) {
      std::printf("AUTOTUNE {\"step\": %lld, \"train_loss\": 1e30}\n", static_cast<long long>(step + 1));
      Die("the loss diverged at step " + std::to_string(step + 1), 2);
    }
    std::printf("AUTOTUNE {\"step\": %lld, \"train_loss\": %.6f}\n", static_cast<long long>(step + 1), loss);
  }
  m.step = end;
  // Held-out accuracy at the end of the segment.
  int correct = 0;
  double val_loss = 0;
  for (int k = 0; k < kVal; ++k) {
    float z[kClasses];
    Forward(m, &val_x[static_cast<std::size_t>(k) * kInputs], h, z);
    const int pred = static_cast<int>(std::max_element(z, z + kClasses) - z);
    val_loss += Softmax(z, val_y[k]);
    correct += pred == val_y[k];
  }
  std::printf("AUTOTUNE {\"step\": %lld, \"val_acc\": %.6f, \"val_loss\": %.6f}\n", static_cast<long long>(end),
              static_cast<double>(correct) / kVal, val_loss / kVal);
  std::fflush(stdout);
  const std::string out = Env("AUTOTUNE_CHECKPOINT_DIR");
  if (!out.empty()) m.Save(out);
  return 0;
}
