// Replays every file in the given corpus directories through LLVMFuzzerTestOneInput, then a
// bounded number of deterministic mutations of each (byte flips, truncations, splices of
// interesting bytes), so that the fuzz target runs in `make test` with GCC too.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

}  // namespace

int main(int argc, char** argv) {
  constexpr int kMutationsPerInput = 2000;
  const std::vector<std::string> kInteresting = {
      "\xc2\xb7", "\xef\xbc\xa2", "\xe3\x80\x80", "\xff", "\xc0\x80", "\xed\xa0\x80", "\x00",
      "\"", "{", "[", "\\u0000", "-", "9223372036854775808", "=", "Bearer ", "pdk_"};
  std::mt19937 rng(12345);  // fixed seed: a failure reproduces
  std::size_t inputs = 0;
  for (int i = 1; i < argc; ++i) {
    for (const auto& entry : std::filesystem::directory_iterator(argv[i])) {
      std::ifstream file(entry.path(), std::ios::binary);
      std::string seed((std::istreambuf_iterator<char>(file)), {});
      run(seed);
      ++inputs;
      for (int m = 0; m < kMutationsPerInput; ++m) {
        std::string mutated = seed;
        switch (rng() % 4) {
          case 0:
            if (!mutated.empty()) mutated[rng() % mutated.size()] ^= static_cast<char>(1 << (rng() % 8));
            break;
          case 1:
            mutated.resize(mutated.empty() ? 0 : rng() % mutated.size());
            break;
          case 2:
            mutated.insert(mutated.empty() ? 0 : rng() % mutated.size(),
                           kInteresting[rng() % kInteresting.size()]);
            break;
          case 3:
            mutated += mutated;
            break;
        }
        run(mutated);
      }
    }
  }
  std::printf("replayed %zu corpus inputs with %d mutations each\n", inputs, kMutationsPerInput);
  return inputs > 0 ? 0 : 1;
}
