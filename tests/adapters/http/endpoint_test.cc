// What remote write and read share before decoding (adapters/http/
// endpoint.h): reserving a body's size and decompressing it, with the
// replies for a body too large, over the memory budget, or not snappy.

#include "adapters/http/endpoint.h"

#include <gtest/gtest.h>

#include "adapters/prometheus/snappy_block.h"

namespace overtone::adapters {
namespace {

class EndpointTest : public ::testing::Test {
 protected:
  EndpointTest() {
    options_.max_request_bytes = 1000;
    options_.max_decompressed_bytes = 4000;
  }
  EndpointContext Context() { return EndpointContext{nullptr, &options_, &budget_, &metrics_}; }

  ServerOptions options_;
  MemoryBudget budget_{10000};
  ServerMetrics metrics_;
};

TEST_F(EndpointTest, ReserveBodyRefusesTooLargeOrOverBudget) {
  MemoryBudget::Reservation r = budget_.Reserve();
  EXPECT_FALSE(ReserveBody(Context(), BodyHeaders{"", "", std::nullopt}, &r));  // chunked: later
  EXPECT_FALSE(ReserveBody(Context(), BodyHeaders{"", "", 800}, &r));
  EXPECT_EQ(budget_.in_use(), 800u);

  std::optional<HttpReply> large = ReserveBody(Context(), BodyHeaders{"", "", 1001}, &r);
  ASSERT_TRUE(large);
  EXPECT_EQ(large->status, 413);
  EXPECT_EQ(large->body, "body of 1001 bytes is over the limit of 1000\n");

  MemoryBudget::Reservation hog = budget_.Reserve();
  ASSERT_TRUE(hog.Grow(9000));
  std::optional<HttpReply> over = ReserveBody(Context(), BodyHeaders{"", "", 500}, &r);
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 429);
  EXPECT_EQ(over->body, "server over its request memory budget (body of 500 bytes); retry later\n");
  ASSERT_EQ(over->headers.size(), 1u);
  EXPECT_EQ(over->headers[0].first, "Retry-After");
  EXPECT_EQ(metrics_.overloaded.load(), 1u);
}

TEST_F(EndpointTest, DecompressBodyChecksTheAnnouncedSizeFirst) {
  MemoryBudget::Reservation r = budget_.Reserve();
  std::string raw;
  EXPECT_FALSE(DecompressBody(Context(), SnappyCompress("hello"), 2, &r, &raw));
  EXPECT_EQ(raw, "hello");
  EXPECT_EQ(budget_.in_use(), 10u);  // twice the decompressed size

  std::optional<HttpReply> bad = DecompressBody(Context(), "", 2, &r, &raw);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  std::optional<HttpReply> bomb =
      DecompressBody(Context(), SnappyCompress(std::string(5000, 'x')), 2, &r, &raw);
  ASSERT_TRUE(bomb);
  EXPECT_EQ(bomb->status, 413);
  EXPECT_EQ(bomb->body, "body decompresses to 5000 bytes, over the limit of 4000\n");
  options_.overload_status = 503;
  MemoryBudget::Reservation hog = budget_.Reserve();
  ASSERT_TRUE(hog.Grow(5000));
  std::optional<HttpReply> over =
      DecompressBody(Context(), SnappyCompress(std::string(1500, 'x')), 4, &r, &raw);
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 503);
  EXPECT_EQ(over->body, "server over its request memory budget (decoding 1500 bytes); retry later\n");
}

// A request that could not fit even in an idle server's whole budget is
// 413, never 429/503: those make a sender retry it forever.
TEST_F(EndpointTest, ARequestThatCanNeverFitIs413NotOverloaded) {
  options_.max_request_bytes = 20000;
  MemoryBudget::Reservation r = budget_.Reserve();
  std::optional<HttpReply> body = ReserveBody(Context(), BodyHeaders{"", "", 10001}, &r);
  ASSERT_TRUE(body);
  EXPECT_EQ(body->status, 413);
  EXPECT_EQ(body->body,
            "a body of 10001 bytes needs more than the whole request memory budget of 10000 bytes\n");

  // 3000 declared bytes decoded at 4 bytes each: 12000, over the budget of
  // 10000 although under max_decompressed_bytes.
  std::string raw;
  std::optional<HttpReply> decoded =
      DecompressBody(Context(), SnappyCompress(std::string(3000, 'x')), 4, &r, &raw);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->status, 413);
  EXPECT_EQ(decoded->body,
            "decoding 3000 bytes needs more than the whole request memory budget of 10000 bytes\n");
  EXPECT_TRUE(decoded->headers.empty());  // no Retry-After
  EXPECT_EQ(metrics_.overloaded.load(), 0u);
  EXPECT_EQ(budget_.in_use(), 0u);
}

}  // namespace
}  // namespace overtone::adapters
