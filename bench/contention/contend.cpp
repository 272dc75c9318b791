// luodi-contend: load one core in a chosen way for a fixed time, so that latency can be measured
// with and without a neighbour (pin both with taskset on different cores).
//
//   luodi-contend MODE [--seconds S] [--mib N] [--gbps R]
//     stream   a[i] = a[i] * s + b[i] over two buffers of N MiB each (default 256: far past any
//              L3): 2 reads + 1 write per element, the DRAM traffic of a streaming neighbour
//     read     sum over one N MiB buffer: reads only
//     cache    stream over N MiB (default 24): L3-resident, evicts the victim's L3 lines but
//              adds little DRAM traffic
//     compute  independent FMAs in registers, no memory: the control (frequency, SMT ports,
//              or the host time-slicing the two vCPUs)
//     probe    loads nothing: reads the clock in a loop and reports how much wall time this CPU
//              lost in gaps over 20 us (the vCPU descheduled by the guest or the host; a guest
//              cannot see the host's share in /proc/stat when no steal time is reported)
//   --gbps R   throttle to about R GB/s of memory traffic (chunks of 1 MiB, then sleep until
//              the schedule); 0 or absent: full rate
//
// It prints the achieved traffic (GB/s) at the end, so each run states what the neighbour was.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// SIGTERM/SIGINT end the run early, still printing what was achieved (a driver stops it so).
volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_signal(int) { g_stop = 1; }

int usage() {
  std::fprintf(stderr, "usage: luodi-contend stream|read|cache|compute|probe [--seconds S] [--mib N] [--gbps R]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string mode = argv[1];
  double seconds = 10, gbps = 0;
  long mib = -1;
  if ((argc - 2) % 2 != 0) return usage();  // every option takes a value
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    char* end = nullptr;
    if (k == "--seconds") seconds = std::strtod(argv[i + 1], &end);
    else if (k == "--mib") mib = std::strtol(argv[i + 1], &end, 10);
    else if (k == "--gbps") gbps = std::strtod(argv[i + 1], &end);
    else return usage();
    if (end == argv[i + 1] || *end != '\0') return usage();  // not a number
  }
  if (mode != "stream" && mode != "read" && mode != "cache" && mode != "compute" && mode != "probe") return usage();
  if (mib < 0) mib = mode == "cache" ? 24 : 256;
  if (mib < 1 || seconds <= 0) return usage();
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  auto t0 = Clock::now();
  auto end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  double bytes = 0;
  volatile float sink = 0;

  if (mode == "probe") {
    std::vector<double> gaps;
    gaps.reserve(1 << 20);
    double lost = 0;
    auto prev = t0;
    while (!g_stop) {
      const auto t = Clock::now();
      const double g = std::chrono::duration<double, std::micro>(t - prev).count();
      if (g > 20) {
        lost += g;
        if (gaps.size() < gaps.capacity()) gaps.push_back(g);
      }
      prev = t;
      if (t >= end) break;
    }
    const double el = std::chrono::duration<double, std::micro>(prev - t0).count();
    std::sort(gaps.begin(), gaps.end());
    std::printf("probe: %.1f s, lost %.1f%% in %zu gaps over 20 us, median gap %.0f us, max %.0f us\n", el / 1e6,
                100.0 * lost / el, gaps.size(), gaps.empty() ? 0.0 : gaps[gaps.size() / 2], gaps.empty() ? 0.0 : gaps.back());
    return 0;
  }

  if (mode == "compute") {
    // 16 independent chains of 16 floats: enough to keep both FMA pipes busy, in registers.
    float acc[16][16];
    for (int c = 0; c < 16; ++c)
      for (int j = 0; j < 16; ++j) acc[c][j] = 1.0f + 1e-3f * float(j + c);
    double iters = 0;
    while (!g_stop && Clock::now() < end) {
      iters += 100000;
      for (int it = 0; it < 100000; ++it)
        for (int c = 0; c < 16; ++c)
          for (int j = 0; j < 16; ++j) acc[c][j] = acc[c][j] * 0.999999f + 1e-7f;
    }
    for (int c = 0; c < 16; ++c) sink = sink + acc[c][0];
    const double el = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("compute: %.1f s, %.2f GFLOP/s\n", el, iters * 256 * 2 / el / 1e9);
    return 0;
  }

  const std::size_t n = std::size_t(mib) << 18;  // floats in N MiB
  std::vector<float> a(n, 1.0f), b(mode == "read" ? 0 : n, 0.5f);
  t0 = Clock::now();  // the clock starts once the buffers are faulted in
  end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  const std::size_t chunk = std::size_t(1) << 18;  // 1 MiB of floats per buffer
  const double chunk_bytes = mode == "read" ? 4.0 * chunk : 3.0 * 4.0 * chunk;
  std::size_t pos = 0;
  float sums[16] = {};  // 16 partial sums: the reads, not an add chain, set the pace
  while (true) {
    const auto now = Clock::now();
    if (g_stop || now >= end) break;
    if (gbps > 0) {  // stay on the schedule: sleep while ahead of it
      const double due = bytes / (gbps * 1e9);
      const double el = std::chrono::duration<double>(now - t0).count();
      if (due > el) {
        std::this_thread::sleep_for(std::chrono::duration<double>(due - el < 0.01 ? due - el : 0.01));
        continue;
      }
    }
    float* pa = a.data() + pos;
    if (mode == "read") {
      for (std::size_t i = 0; i < chunk; i += 16)
        for (int j = 0; j < 16; ++j) sums[j] += pa[i + j];
    } else {
      const float* pb = b.data() + pos;
      for (std::size_t i = 0; i < chunk; ++i) pa[i] = pa[i] * 0.999f + pb[i];
    }
    bytes += chunk_bytes;
    pos += chunk;
    if (pos + chunk > n) pos = 0;
  }
  float sum = 0;
  for (float v : sums) sum += v;
  sink = sum + a[n / 2];
  const double el = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("%s: %ld MiB, %.1f s, %.2f GB/s\n", mode.c_str(), mib, el, bytes / el / 1e9);
  (void)sink;
  return 0;
}
