// A latency histogram in 10 µs buckets up to 10 s (anything slower lands in the last bucket),
// so the load generator can take percentiles over millions of deliveries in fixed memory.
// A value type, one thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace cadenza::bench {

class Histogram {
public:
    static constexpr std::int64_t kBucketNs = 10'000;
    static constexpr std::size_t kBuckets = 1'000'000;

    void add(std::int64_t ns) {
        if (buckets_.empty()) {
            buckets_.assign(kBuckets, 0);
        }
        std::size_t b = static_cast<std::size_t>(std::max<std::int64_t>(ns, 0) / kBucketNs);
        ++buckets_[std::min(b, kBuckets - 1)];
        ++count_;
        max_ = std::max(max_, ns);
    }

    std::uint64_t count() const { return count_; }
    std::int64_t max() const { return max_; }

    // The upper edge of the bucket holding the q-quantile, in microseconds (0 when empty).
    double percentile_us(double q) const {
        if (count_ == 0) {
            return 0;
        }
        auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count_ - 1)) + 1;
        std::uint64_t seen = 0;
        for (std::size_t b = 0; b < buckets_.size(); ++b) {
            seen += buckets_[b];
            if (seen >= rank) {
                return static_cast<double>((b + 1) * kBucketNs) / 1000.0;
            }
        }
        return static_cast<double>(max_) / 1000.0;
    }

private:
    std::vector<std::uint32_t> buckets_;
    std::uint64_t count_ = 0;
    std::int64_t max_ = 0;
};

} // namespace cadenza::bench
